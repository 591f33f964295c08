package data

import (
	"bytes"
	"fmt"
)

// CriteoColumns are the columns of Criteo display-advertising logs: the
// click label, 13 integer counts I1..I13 and 26 hashed categories C1..C26.
var CriteoColumns = criteoColumns()

func criteoColumns() []string {
	c := []string{"label"}
	for i := 1; i <= 13; i++ {
		c = append(c, fmt.Sprintf("I%d", i))
	}
	for i := 1; i <= 26; i++ {
		c = append(c, fmt.Sprintf("C%d", i))
	}
	return c
}

// OpenCriteo reads a Criteo log: 40 TAB-separated fields per line, label
// 0/1, I1..I13 numbers that may be empty or negative, C1..C26 text. A
// header line starting with "label" is allowed and dropped, and so is a
// comma-separated copy (the DeepCTR sample, whose counts read "260.0"):
// the separator is the first line's, TAB when it has one. A file without
// the label (Kaggle's test.txt: 39 fields, or a header starting with "I1")
// yields records of the columns I1..C26 alone, to score; its first line
// decides, and a later line of the other width is malformed.
func OpenCriteo(path string, opts ReadOptions) (*DelimitedReader, error) {
	kinds := make([]kind, 40)
	kinds[0] = kindLabel01
	for i := 1; i <= 13; i++ {
		kinds[i] = kindOptNum
	}
	sep, err := sniffSeparator(path, opts, '\t', ',')
	if err != nil {
		return nil, err
	}
	return openDelimited(path, delimSpec{
		sep: sep, columns: CriteoColumns, kinds: kinds, optLabel: "label",
		isHeader: func(f [][]byte) bool {
			return bytes.EqualFold(f[0], []byte("label")) || bytes.EqualFold(f[0], []byte("I1"))
		},
	}, opts)
}

// AvazuColumns are the 24 columns of Avazu CTR logs.
var AvazuColumns = []string{"id", "click", "hour", "C1", "banner_pos", "site_id", "site_domain",
	"site_category", "app_id", "app_domain", "app_category", "device_id", "device_ip", "device_model",
	"device_type", "device_conn_type", "C14", "C15", "C16", "C17", "C18", "C19", "C20", "C21"}

// OpenAvazu reads an Avazu log: 24 comma-separated fields, click 0/1, hour
// YYMMDDHH, the rest categorical text. The header line is optional (the
// Kaggle train file has one, splits of it often do not). A file without
// the click column (Kaggle's test file: a header of 23 fields, or 23-field
// lines) yields records without it, to score; its first line decides, and
// a later line of the other width is malformed.
func OpenAvazu(path string, opts ReadOptions) (*DelimitedReader, error) {
	kinds := make([]kind, len(AvazuColumns))
	kinds[1] = kindLabel01
	kinds[2] = kindNat
	return openDelimited(path, delimSpec{
		sep: ",", columns: AvazuColumns, kinds: kinds, optLabel: "click",
		isHeader: func(f [][]byte) bool { return bytes.Equal(f[0], []byte("id")) },
	}, opts)
}

// sniffSeparator returns the first of seps that occurs in the file's first
// line, or the first of seps when none does.
func sniffSeparator(path string, opts ReadOptions, seps ...byte) (string, error) {
	src, err := openSource(path, opts)
	if err != nil {
		return "", err
	}
	defer src.close()
	line, err := src.next()
	if err != nil {
		return string(seps[:1]), nil // openDelimited reports it with its context
	}
	for _, s := range seps {
		if bytes.IndexByte(line, s) >= 0 {
			return string([]byte{s}), nil
		}
	}
	return string(seps[:1]), nil
}
