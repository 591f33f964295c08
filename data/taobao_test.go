package data

import (
	"slices"
	"strings"
	"testing"
)

const taobaoHeader = "clk,time_stamp,userid,adgroup_id,pid,cate_id,campaign_id,customer,brand,price,cms_segid,cms_group_id,final_gender_code,age_level,pvalue_level,shopping_level,occupation,new_user_class_level,click_sequence\n"

// taobaoLine is a well-formed line with the given label and history.
func taobaoLine(clk, seq string) string {
	return clk + ",2017-05-06 00:00:00,874257,172298,430548_1007,5443,160194,864,339907,3.9,0,3,2,3,,3,0,," + seq + "\n"
}

func TestTaobao(t *testing.T) {
	// Columns in another order are found by name; the record keeps
	// TaobaoColumns' order.
	cols := strings.Split(strings.TrimSpace(taobaoHeader), ",")
	slices.Reverse(cols)
	reversed := func(l string) string {
		f := strings.Split(strings.TrimSpace(l), ",")
		slices.Reverse(f)
		return strings.Join(f, ",") + "\n"
	}
	p := writeTemp(t, "t.csv", strings.Join(cols, ",")+"\n"+reversed(taobaoLine("1", "170301^573514"))+reversed(taobaoLine("0", "")), false)
	r, err := Open("taobao:"+p, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !slices.Equal(r.Columns(), TaobaoColumns) {
		t.Fatalf("columns %v", r.Columns())
	}
	rows, _, err := readAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][0] != "1" || rows[0][2] != "874257" || rows[0][18] != "170301^573514" || rows[1][18] != "" {
		t.Fatalf("rows %q", rows)
	}

	for _, tc := range []struct{ text, want string }{
		{taobaoHeader + taobaoLine("2", ""), `t.csv:2: column 1 (clk): expected a label 0 or 1, found "2"`},
		{taobaoHeader + taobaoLine("0", "1^^2"), `t.csv:2: column 19 (click_sequence): element 2 of the '^'-separated list: expected an integer, found an empty value`},
		{taobaoHeader + taobaoLine("0", "1^x"), `column 19 (click_sequence): element 2 of the '^'-separated list: expected an integer, found "x"`},
		{taobaoHeader + taobaoLine("0", "1^"), `element 2 of the '^'-separated list: expected an integer, found an empty value`},
		{strings.Replace(taobaoHeader, "price,", "", 1) + "0\n", "t.csv:1: taobao: the header lacks column(s) price"},
		{taobaoHeader + strings.Replace(taobaoLine("0", ""), "874257", "-3", 1), `column 3 (userid): expected a non-negative integer id, found "-3"`},
		{taobaoHeader + strings.Replace(taobaoLine("0", ""), ",3.9,", ",cheap,", 1), `column 10 (price): expected a finite number, found "cheap"`},
	} {
		r, err := OpenTaobao(writeTemp(t, "t.csv", tc.text, false), ReadOptions{})
		if err == nil {
			_, _, err = readAll(r)
			r.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
	// Under SkipBad the malformed lines are counted and skipped, whether
	// the CSV layer or the column checks find them.
	p = writeTemp(t, "t.csv", taobaoHeader+taobaoLine("0", "1")+taobaoLine("0", "x")+"0,1\n"+taobaoLine("1", ""), false)
	r, err = OpenTaobao(p, ReadOptions{SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err = readAll(r)
	if err != nil || len(rows) != 2 || r.Skipped() != 2 {
		t.Fatalf("skip-bad: %d rows, %d skipped, %v", len(rows), r.Skipped(), err)
	}
}

func TestEventLogReader(t *testing.T) {
	r, err := OpenEventLog(writeTemp(t, "e.csv", "time,user_id,item_id\n5,u,i\n", false), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err := readAll(r)
	if err != nil || len(rows) != 1 || !slices.Equal(rows[0], []string{"u", "i", "5", ""}) {
		t.Fatalf("rows %q, %v; want user, item, time and an empty category", rows, err)
	}
	if _, err := OpenEventLog(writeTemp(t, "e.csv", "a,b\n1,2\n", false), ReadOptions{Columns: []string{"user_id", "item_id"}}); err == nil {
		t.Fatal("ReadOptions.Columns was accepted")
	}
}
