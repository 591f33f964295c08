package data

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// MovieLensCTRColumns are the columns of the movielens-ctr reader: a
// rating joined with its user's demographics and its item's genres and
// release year.
var MovieLensCTRColumns = []string{"user", "item", "rating", "timestamp",
	"age", "gender", "occupation", "zip", "genres", "genre", "year"}

// zipPrefixLen is how much of a zip code the zip column keeps: the first
// two characters, a region (55… is Minnesota) rather than the nearly
// per-user full code (795 distinct codes among ML-100K's 943 users).
const zipPrefixLen = 2

// userSide and itemSide are one user's and one item's columns.
type userSide struct{ age, gender, occupation, zip []byte }
type itemSide struct{ genres, genre, year []byte }

// MovieLensCTRReader reads MovieLens-100K ratings as CTR examples with
// side features. Each record is a rating (user, item, rating, timestamp,
// as in the ratings file) followed by columns joined from u.user and
// u.item in the ratings file's directory, which are read whole into
// memory when the reader opens:
//   - age, gender, occupation: as in u.user;
//   - zip: the first two characters of the zip code (a region);
//   - genres: the item's genre names in u.genre's order, joined by "|"
//     (for a sequence field; empty when the item has no genre flag);
//   - genre: the first of them (for a categorical field);
//   - year: the year of the release date (empty when u.item has none).
//
// The side files are read strictly: a malformed line there fails the
// open even under ReadOptions.SkipBad. A rating whose user or item is not
// in them is a *ParseError on the rating's line.
type MovieLensCTRReader struct {
	ratings *DelimitedReader
	skipper
	users    map[string]userSide
	items    map[string]itemSide
	userFile string
	itemFile string
	cols     [][]byte
}

// OpenMovieLensCTR opens the ratings at path with the side files next to
// them. path is an ML-100K directory (its u.data is read) or a ratings
// file inside one (u.data, u1.base, ua.test…).
func OpenMovieLensCTR(path string, opts ReadOptions) (*MovieLensCTRReader, error) {
	files, err := movieLensCTRFiles(path)
	if err != nil {
		return nil, err
	}
	ratings := files[0]
	r := &MovieLensCTRReader{skipper: skipper{skipBad: opts.SkipBad}, cols: make([][]byte, len(MovieLensCTRColumns)),
		userFile: files[1], itemFile: files[2]}
	strict := ReadOptions{MaxLineBytes: opts.MaxLineBytes}
	if r.users, err = loadUsers(r.userFile, strict); err != nil {
		return nil, fmt.Errorf("movielens-ctr: %w", err)
	}
	if r.items, err = loadItems(r.itemFile, strict); err != nil {
		return nil, fmt.Errorf("movielens-ctr: %w", err)
	}
	r.ratings, err = openDelimited(ratings, delimSpec{sep: "\t", columns: MovieLensRatingColumns, kinds: ratingKinds()}, opts)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// movieLensCTRFiles returns the ratings, u.user and u.item files a
// movielens-ctr path reads.
func movieLensCTRFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	dir, ratings := path, filepath.Join(path, "u.data")
	if !st.IsDir() {
		dir, ratings = filepath.Dir(path), path
		switch name := strings.TrimSuffix(filepath.Base(path), ".gz"); name {
		case "u.user", "u.item", "u.genre", "u.occupation", "u.info":
			return nil, fmt.Errorf("movielens-ctr: %s is a side file, not ratings: give the ML-100K directory or a ratings file in it (u.data, u1.base, ua.test…)", path)
		}
	}
	return []string{ratings, filepath.Join(dir, "u.user"), filepath.Join(dir, "u.item")}, nil
}

// loadUsers reads u.user into memory, keyed by user id.
func loadUsers(path string, opts ReadOptions) (map[string]userSide, error) {
	users := map[string]userSide{}
	first := map[string]int{}
	err := readSide(path, opts, func(rec *Record) error {
		id := string(rec.Cols[0])
		if l, dup := first[id]; dup {
			return &ParseError{File: rec.File, Line: rec.Line, Column: 1, Field: "user", Msg: fmt.Sprintf("user %s is listed twice (first on line %d)", id, l)}
		}
		first[id] = rec.Line
		zip := rec.Cols[4]
		if len(zip) > zipPrefixLen {
			zip = zip[:zipPrefixLen]
		}
		users[id] = userSide{age: clone(rec.Cols[1]), gender: clone(rec.Cols[2]), occupation: clone(rec.Cols[3]), zip: clone(zip)}
		return nil
	})
	return users, err
}

// loadItems reads u.item into memory, keyed by item id.
func loadItems(path string, opts ReadOptions) (map[string]itemSide, error) {
	items := map[string]itemSide{}
	first := map[string]int{}
	genreNames := MovieLensItemColumns[5:]
	err := readSide(path, opts, func(rec *Record) error {
		id := string(rec.Cols[0])
		if l, dup := first[id]; dup {
			return &ParseError{File: rec.File, Line: rec.Line, Column: 1, Field: "item", Msg: fmt.Sprintf("item %s is listed twice (first on line %d)", id, l)}
		}
		first[id] = rec.Line
		var genres []byte
		var genre []byte
		for k, flag := range rec.Cols[5:] {
			if flag[0] != '1' {
				continue
			}
			if genre == nil {
				genre = []byte(genreNames[k])
			} else {
				genres = append(genres, '|')
			}
			genres = append(genres, genreNames[k]...)
		}
		year, ok := releaseYear(rec.Cols[2])
		if !ok {
			return &ParseError{File: rec.File, Line: rec.Line, Column: 3, Field: "release_date",
				Msg: "expected a release date like 01-Jan-1995 (or none), found " + quoteBytes(rec.Cols[2])}
		}
		items[id] = itemSide{genres: genres, genre: genre, year: clone(year)}
		return nil
	})
	return items, err
}

// releaseYear returns the year of a u.item release date (DD-Mon-YYYY), or
// an empty year for an empty date.
func releaseYear(d []byte) ([]byte, bool) {
	if len(d) == 0 {
		return nil, true
	}
	i := bytes.LastIndexByte(d, '-')
	y := d[i+1:]
	if i < 0 || len(y) != 4 {
		return nil, false
	}
	for _, c := range y {
		if c < '0' || c > '9' {
			return nil, false
		}
	}
	return y, true
}

// readSide calls fn on every record of an ML-100K side file.
func readSide(path string, opts ReadOptions, fn func(*Record) error) error {
	r, err := OpenMovieLens(path, opts)
	if err != nil {
		return err
	}
	defer r.Close()
	var rec Record
	for {
		err := r.Next(&rec)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(&rec); err != nil {
			return err
		}
	}
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// Columns returns MovieLensCTRColumns.
func (r *MovieLensCTRReader) Columns() []string { return MovieLensCTRColumns }

// Skipped counts the malformed ratings skipped, unknown users and items
// included.
func (r *MovieLensCTRReader) Skipped() int64 { return r.skipped + r.ratings.Skipped() }

// Close closes the ratings file.
func (r *MovieLensCTRReader) Close() error { return r.ratings.Close() }

// Next fills rec with the next rating and its side columns; it returns
// io.EOF after the last.
func (r *MovieLensCTRReader) Next(rec *Record) error {
	for {
		if err := r.ratings.Next(rec); err != nil {
			return err
		}
		u, uok := r.users[string(rec.Cols[0])]
		it, iok := r.items[string(rec.Cols[1])]
		if !uok || !iok {
			err := &ParseError{File: rec.File, Line: rec.Line, Column: 1, Field: "user",
				Msg: fmt.Sprintf("user %s is not in %s", rec.Cols[0], r.userFile)}
			if uok {
				err.Column, err.Field, err.Msg = 2, "item", fmt.Sprintf("item %s is not in %s", rec.Cols[1], r.itemFile)
			}
			if r.skip(err) {
				continue
			}
			return err
		}
		c := r.cols
		copy(c, rec.Cols[:4])
		c[4], c[5], c[6], c[7] = u.age, u.gender, u.occupation, u.zip
		c[8], c[9], c[10] = it.genres, it.genre, it.year
		rec.Cols = c
		return nil
	}
}
