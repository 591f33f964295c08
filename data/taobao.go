package data

// TaobaoColumns are the columns of a taobao record: the Taobao display-ad
// click log (Alibaba's Ali_Display_Ad_Click) in the CSV layout of
// FuxiCTR's tiny Taobao sample, in its order.
var TaobaoColumns = []string{"clk", "time_stamp", "userid", "adgroup_id", "pid", "cate_id", "campaign_id",
	"customer", "brand", "price", "cms_segid", "cms_group_id", "final_gender_code", "age_level",
	"pvalue_level", "shopping_level", "occupation", "new_user_class_level", "click_sequence"}

func init() {
	Register("taobao", func(p string, o ReadOptions) (Reader, error) { return OpenTaobao(p, o) }, false)
}

// OpenTaobao reads the Taobao display-ad click log with the user's click
// history in each row, as FuxiCTR ships it (data/tiny_csv): a CSV header
// naming the TaobaoColumns in any order, then one impression per line.
// clk is the 0/1 label; userid, adgroup_id, cate_id, campaign_id, customer
// and brand are non-negative integer ids; price is a number; the user and
// context levels are integers or empty; click_sequence is the user's
// clicked ad groups, '^'-separated ids (empty for none). Records have the
// columns TaobaoColumns.
func OpenTaobao(path string, opts ReadOptions) (Reader, error) {
	kinds := map[string]kind{
		"clk": kindLabel01, "time_stamp": kindText, "userid": kindNat, "adgroup_id": kindNat, "pid": kindText,
		"cate_id": kindNat, "campaign_id": kindNat, "customer": kindNat, "brand": kindOptInt, "price": kindNum,
		"cms_segid": kindOptInt, "cms_group_id": kindOptInt, "final_gender_code": kindOptInt, "age_level": kindOptInt,
		"pvalue_level": kindOptInt, "shopping_level": kindOptInt, "occupation": kindOptInt,
		"new_user_class_level": kindOptInt, "click_sequence": kindText,
	}
	var spec []mappedCol
	for _, c := range TaobaoColumns {
		mc := mappedCol{header: c, name: c, kind: kinds[c]}
		if c == "click_sequence" {
			mc.check = idList('^')
		}
		spec = append(spec, mc)
	}
	m, err := openMapped(path, "taobao", spec, opts)
	if err != nil {
		return nil, err
	}
	return m, nil
}
