package scrm

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// Code is one seeded channel code, with the department list the wire item
// does not carry (see the package comment).
type Code struct {
	ID           int64
	State        string
	Description  string
	CreateTime   time.Time
	GroupID      int64
	GroupName    string
	CreatorID    int64
	Users        []int64
	BackendUsers []int64
	DeptIDs      []int64
}

// Group is a channel-code group (活码分组); ParentID 0 is a top-level group.
type Group struct {
	ID       int64
	ParentID int64
	Name     string
	Level    int // 1, 2 or 3
}

// Department is a department codes apply to (适用部门).
type Department struct {
	ID   int64
	Name string
}

// Staff is an employee (员工).
type Staff struct {
	ID     int64
	Name   string
	DeptID int64
}

// Ids every seed contains, whatever its size.
const (
	WellKnownCodeID  int64 = 527448137486400  // from the platform's doc example
	BeyondFloatID    int64 = 9007199254740993 // 2^53+1: a float64 rounds it
	WellKnownCreator int64 = 389394161352768  // creatorId in the doc example
)

// seedEpoch and seedSpan bound createTime: two years, Shanghai time.
var seedEpoch = time.Date(2024, 4, 1, 0, 0, 0, 0, shanghai)

const seedSpan = 730 * 24 * time.Hour

var (
	deptNames = []string{"招生办公室", "市场部", "客服中心", "教务处", "校友办公室",
		"华东区运营", "华南区运营", "华北区运营", "新媒体中心", "渠道合作部"}
	surnames   = []string{"张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"}
	givenNames = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛",
		"明", "超", "秀英", "霞", "平", "刚", "桂英", "晓燕", "志强", "婷婷", "雪梅", "建华", "海燕", "子涵", "思远"}
	places = []string{"北京朝阳校区", "北京海淀校区", "上海徐汇校区", "上海浦东校区", "广州天河校区", "深圳南山校区",
		"杭州西湖校区", "南京鼓楼校区", "成都高新校区", "武汉光谷校区", "西安雁塔校区", "苏州园区校区"}
	descriptions = []string{
		"扫码添加%s老师，领取%s资料包",
		"%s专属活码：添加后自动发送欢迎语与%s课程介绍",
		"扫码进群，%s老师在线答疑（%s）",
		"%s渠道引流，客户添加后打标签「%s」",
		"线下物料张贴使用，扫码联系%s顾问了解%s",
	}
)

// groupTree is the three-level group seed: top → second level → leaves.
var groupTree = []struct {
	name string
	subs []string
	leaf []string
}{
	{"招生", []string{"2025春季", "2025秋季", "2026春季", "2026秋季"}, []string{"线下活动", "线上直播", "地推物料"}},
	{"市场推广", []string{"公众号", "视频号", "朋友圈广告"}, []string{"品牌宣传", "节日活动", "裂变拉新"}},
	{"客户服务", []string{"售前咨询", "售后服务"}, []string{"电话回访", "门店接待"}},
	{"社群运营", []string{"家长社群", "学员社群"}, []string{"新生群", "老生群", "毕业群"}},
}

// seed builds the data from a fixed random seed: same input, same data.
func (f *Fake) seed() {
	rng := rand.New(rand.NewPCG(20240401, uint64(WellKnownCodeID)))
	used := map[int64]bool{WellKnownCodeID: true, BeyondFloatID: true, WellKnownCreator: true}
	newID := func() int64 {
		for {
			id := 100_000_000_000_000 + rng.Int64N(900_000_000_000_000) // 15 digits
			if !used[id] {
				used[id] = true
				return id
			}
		}
	}

	for _, n := range deptNames {
		f.depts = append(f.depts, Department{ID: newID(), Name: n})
	}
	byDept := map[int64][]int64{}
	for i := 0; i < 48; i++ {
		id := newID()
		if i == 0 {
			id = WellKnownCreator
		}
		d := f.depts[i%len(f.depts)].ID
		name := surnames[i%len(surnames)] + givenNames[(i*7)%len(givenNames)]
		f.staff = append(f.staff, Staff{ID: id, Name: name, DeptID: d})
		byDept[d] = append(byDept[d], id)
	}

	f.children = map[int64][]int64{}
	type placed struct {
		g    Group
		path string // e.g. 2026秋季招生·线下活动
	}
	var all []placed
	for _, top := range groupTree {
		t := Group{ID: newID(), Name: top.name, Level: 1}
		all = append(all, placed{t, top.name})
		for _, sub := range top.subs {
			s := Group{ID: newID(), ParentID: t.ID, Name: sub, Level: 2}
			f.children[t.ID] = append(f.children[t.ID], s.ID)
			all = append(all, placed{s, sub + top.name})
			for _, leaf := range top.leaf {
				l := Group{ID: newID(), ParentID: s.ID, Name: leaf, Level: 3}
				f.children[s.ID] = append(f.children[s.ID], l.ID)
				all = append(all, placed{l, sub + top.name + "·" + leaf})
			}
		}
	}
	var byLevel [4][]placed
	for _, p := range all {
		f.groups = append(f.groups, p.g)
		byLevel[p.g.Level] = append(byLevel[p.g.Level], p)
	}

	pick := func(list []int64, n int) []int64 {
		out := make([]int64, 0, n)
		for _, i := range rng.Perm(len(list))[:min(n, len(list))] {
			out = append(out, list[i])
		}
		return out
	}
	staffIDs := make([]int64, len(f.staff))
	for i, s := range f.staff {
		staffIDs[i] = s.ID
	}

	var last time.Time
	f.codes = make([]Code, 0, f.nCodes)
	for i := 0; i < f.nCodes; i++ {
		// Most codes sit on leaves; some on the upper levels, so that
		// returnChildren 0 and 1 give different answers at every level.
		level := 3
		switch r := rng.IntN(20); {
		case r == 0:
			level = 1
		case r <= 3:
			level = 2
		}
		g := byLevel[level][rng.IntN(len(byLevel[level]))]
		id := newID()
		switch i {
		case 1:
			id = WellKnownCodeID
		case 2:
			id = BeyondFloatID
		}
		created := seedEpoch.Add(time.Duration(rng.Int64N(int64(seedSpan/time.Second))) * time.Second)
		if i > 0 && rng.IntN(10) == 0 {
			created = last // created in the same batch, same second: the id breaks the tie
		}
		last = created

		depts := pick(deptIDs(f.depts), 1+rng.IntN(2))
		var pool []int64
		for _, d := range depts {
			pool = append(pool, byDept[d]...)
		}
		place := places[rng.IntN(len(places))]
		teacher := f.staffName(pool[0])
		c := Code{
			ID:           id,
			State:        fmt.Sprintf("%s·%s%02d", g.path, place, 1+rng.IntN(30)),
			Description:  fmt.Sprintf(descriptions[rng.IntN(len(descriptions))], teacher, g.g.Name),
			CreateTime:   created,
			GroupID:      g.g.ID,
			GroupName:    g.g.Name,
			CreatorID:    staffIDs[rng.IntN(len(staffIDs))],
			Users:        pick(pool, 1+rng.IntN(3)),
			BackendUsers: pick(pool, rng.IntN(3)),
			DeptIDs:      depts,
		}
		if i == 1 {
			c.CreatorID = WellKnownCreator
		}
		f.codes = append(f.codes, c)
	}
	slices.SortFunc(f.codes, func(a, b Code) int {
		if c := b.CreateTime.Compare(a.CreateTime); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	f.pos = make(map[int64]int, len(f.codes))
	for i, c := range f.codes {
		f.pos[c.ID] = i
	}
}

func deptIDs(ds []Department) []int64 {
	out := make([]int64, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func (f *Fake) staffName(id int64) string {
	for _, s := range f.staff {
		if s.ID == id {
			return s.Name
		}
	}
	return strconv.FormatInt(id, 10)
}

// Codes returns the seeded codes in list order (newest first), for tests and
// the sandbox inspector. The slices inside are shared: do not modify them.
func (f *Fake) Codes() []Code { return slices.Clone(f.codes) }

// Groups returns the group tree, parents before children.
func (f *Fake) Groups() []Group { return slices.Clone(f.groups) }

// SubGroups returns the direct sub-groups of a group.
func (f *Fake) SubGroups(id int64) []int64 { return slices.Clone(f.children[id]) }

// Departments returns the seeded departments.
func (f *Fake) Departments() []Department { return slices.Clone(f.depts) }

// Staff returns the seeded staff.
func (f *Fake) Staff() []Staff { return slices.Clone(f.staff) }
