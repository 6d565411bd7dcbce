package tze

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// Seeded organisation ids. Ids are numeric strings: a school's id is its org
// id followed by its 7-digit number, every other node's id its org id followed
// by 5000000 + its sequence number.
const (
	SeedBureauID   = "33010200" // 滨江区教育局, org_type 1, about 20,000 nodes below it
	SeedBureauName = "滨江区教育局"
	SeedSchoolID   = "330102000000001" // its first school, 第一实验小学 (also an org_id of its own)
	SeedSchools    = 40

	// LargeOrgSeed is the random seed WithLargeOrg passes to GenerateOrg.
	LargeOrgSeed = 7

	// Robustness nodes, present only with WithOrphans / WithCycle.
	SeedOrphanID        = "330102009900001"
	SeedOrphanChildID   = "330102009900002"
	SeedMissingParentID = "330102009999999" // in no list
	SeedCycleAID        = "330102009900011"
	SeedCycleBID        = "330102009900012"

	// SeedUnknownTypeID is a node with org_type "99", a code the doc does not list.
	SeedUnknownTypeID = "330102005000001"
)

// seedBureau is the default organisation: an education bureau with
// SeedSchools schools, fixed random seed so every run serves the same tree.
func seedBureau() []Node {
	g := newGen(SeedBureauID, 20260301, 0)
	// Created first so its id is SeedUnknownTypeID.
	g.add("临时项目组", SeedBureauID, "99", 99)
	g.bureauLevel()
	for k := 1; k <= SeedSchools; k++ {
		g.school(k)
	}
	return g.nodes
}

// GenerateOrg returns n nodes below orgID (the org itself is not included, as
// the API never lists it): bureau departments, then as many schools with
// campuses, 学段, 年级, 班级 and 部门 as fit. Same arguments, same nodes.
// Parents always come before their children.
func GenerateOrg(orgID string, n int, seed int64) []Node {
	g := newGen(orgID, uint64(seed), n)
	g.bureauLevel()
	for k := 1; !g.full(); k++ {
		g.school(k)
	}
	return g.nodes
}

type gen struct {
	orgID string
	rng   *rand.Rand
	max   int // 0 = unbounded
	seq   int
	nodes []Node
}

func newGen(orgID string, seed uint64, max int) *gen {
	return &gen{orgID: orgID, rng: rand.New(rand.NewPCG(seed, 0x7a65)), max: max}
}

func (g *gen) full() bool { return g.max > 0 && len(g.nodes) >= g.max }

// add appends a node and returns its id ("" once the generator is full, so
// callers stop descending).
func (g *gen) add(name, parent, typ string, order int) string {
	if g.full() {
		return ""
	}
	g.seq++
	id := g.orgID + strconv.Itoa(5000000+g.seq)
	g.nodes = append(g.nodes, Node{OrgID: id, OrgName: name, ParentID: parent, OrgType: typ, DisplayOrder: order})
	return id
}

func (g *gen) addSchool(k int, name string, order int) string {
	if g.full() {
		return ""
	}
	id := g.orgID + fmt.Sprintf("%07d", k)
	g.nodes = append(g.nodes, Node{OrgID: id, OrgName: name, ParentID: g.orgID, OrgType: "2", DisplayOrder: order})
	return id
}

// bureauLevel adds the bureau's own departments and the rarer org types 8, 9, 10.
func (g *gen) bureauLevel() {
	depts := []string{"局办公室", "基础教育科", "人事科", "计划财务科", "教育督导室", "安全稳定科", "教研室"}
	var jiaoyan string
	for i, d := range depts {
		// Orders run backwards so list order, name order and display order all differ.
		id := g.add(d, g.orgID, "4", 100-i*10)
		if d == "教研室" {
			jiaoyan = id
		}
	}
	if jiaoyan != "" {
		for i, s := range []string{"小学语文名师工作室", "初中数学名师工作室", "高中物理名师工作室", "信息科技名师工作室"} {
			g.add(s, jiaoyan, "9", i+1)
		}
	}
	if ent := g.add("滨江教育发展有限公司", g.orgID, "8", 200); ent != "" {
		g.add("综合部", ent, "4", 1)
		g.add("装备服务部", ent, "4", 2)
	}
	g.add("滨江智慧教育平台", g.orgID, "10", 300)
}

type schoolKind struct {
	suffix string
	stages []stage
}

type stage struct {
	name   string
	grades []string
	class  string // class name prefix pattern: grade name without 年级 for 高中
}

var (
	primary = stage{"小学部", []string{"一年级", "二年级", "三年级", "四年级", "五年级", "六年级"}, ""}
	junior  = stage{"初中部", []string{"七年级", "八年级", "九年级"}, ""}
	senior  = stage{"高中部", []string{"高一年级", "高二年级", "高三年级"}, "高"}
)

func kinds() []schoolKind {
	return []schoolKind{
		{"小学", []stage{primary}},
		{"学校", []stage{primary, junior}}, // 九年一贯制
		{"初级中学", []stage{junior}},
		{"小学", []stage{primary}},
		{"中学", []stage{junior, senior}}, // 完全中学
		{"学校", []stage{primary, junior}},
		{"高级中学", []stage{senior}},
	}
}

var schoolNames = []string{"第一实验", "育才", "明德", "启明", "阳光", "春晖", "文澜", "求是", "新城", "江南",
	"星光", "博文", "崇文", "树人", "行知", "钱塘", "白马湖", "长河", "西兴", "浦沿"}

var campusNames = []string{"东校区", "西校区", "南校区", "北校区", "滨江校区", "新城校区"}

var schoolDepts = []string{"校长办公室", "党支部", "教务处", "德育处", "总务处", "教科室", "信息中心", "工会"}

var teachingGroups = []string{"语文教研组", "数学教研组", "英语教研组", "科学教研组", "体育组", "艺术组"}

// school adds school k and everything below it.
func (g *gen) school(k int) {
	ks := kinds()
	kind := ks[(k-1)%len(ks)]
	var name string
	if k <= len(schoolNames) {
		name = schoolNames[k-1] + kind.suffix
	} else {
		name = "第" + chineseNumber(k-len(schoolNames)) + kind.suffix
	}
	if k == 1 {
		name = "第一实验小学" // SeedSchoolID's documented name
	}
	sid := g.addSchool(k, name, k*10)
	if sid == "" {
		return
	}
	for i, d := range schoolDepts {
		id := g.add(d, sid, "4", 0) // all 0: ties, so name order decides
		if id != "" && (d == "教务处" || d == "教科室") {
			for j, tg := range teachingGroups[:2+g.rng.IntN(len(teachingGroups)-1)] {
				g.add(tg, id, "4", j+1)
			}
		}
		_ = i
	}
	campuses := 2 + g.rng.IntN(3)
	perm := g.rng.Perm(len(campusNames))
	for c := range campuses {
		cname := "本部"
		if c > 0 {
			cname = campusNames[perm[c-1]]
		}
		cid := g.add(cname, sid, "3", c+1)
		if cid == "" {
			return
		}
		g.add("校区办公室", cid, "4", 90)
		g.add("安保部", cid, "4", 91)
		for si, st := range kind.stages {
			stID := g.add(st.name, cid, "5", si+1)
			if stID == "" {
				return
			}
			for gi, gr := range st.grades {
				grID := g.add(gr, stID, "6", gi+1)
				if grID == "" {
					return
				}
				classes := 18 + g.rng.IntN(15)
				label := gr
				if st.class != "" {
					label = gr[:len(gr)-len("年级")] // 高一年级 → 高一
				}
				// Every other grade lists classes in reverse display order, so a
				// client that keeps list order (or sorts by name: "(10)" < "(2)") shows it wrong.
				rev := gi%2 == 1
				for n := 1; n <= classes; n++ {
					order := n
					if rev {
						order = classes + 1 - n
					}
					g.add(fmt.Sprintf("%s(%d)班", label, n), grID, "7", order)
				}
			}
		}
	}
}

// chineseNumber writes 1…9999 in Chinese numerals (十一, 一百零五 …).
func chineseNumber(n int) string {
	digits := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	if n < 10 {
		return digits[n]
	}
	if n < 20 {
		s := "十"
		if n%10 != 0 {
			s += digits[n%10]
		}
		return s
	}
	units := []string{"", "十", "百", "千"}
	var s string
	zero := false
	for i, p := 3, 1000; i >= 0; i, p = i-1, p/10 {
		d := n / p % 10
		if d == 0 {
			if s != "" {
				zero = true
			}
			continue
		}
		if zero {
			s += "零"
			zero = false
		}
		s += digits[d] + units[i]
	}
	return s
}
