package orgtree

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// districtRootID is the org id of the generated education bureau.
const districtRootID = "1600000000000000000"

// genDistrict makes a deterministic school-district organisation of exactly n
// nodes below the bureau (which, like upstream, is not in the list): bureau
// departments, then schools → campuses → departments and stages → grades →
// classes. Names repeat across schools the way real ones do ("1班", "教务处"), a
// few are English, some display orders tie so names decide. The list comes back
// shuffled: the index must not depend on upstream's order.
func genDistrict(n int, seed uint64) []Node {
	r := rand.New(rand.NewPCG(seed, 0x0c0ffee))
	out := make([]Node, 0, n)
	next := uint64(0)
	add := func(parent, name, typ string, order int) string {
		next++
		id := strconv.FormatUint(1600000000000000000+next*7919, 10)
		if len(out) < n {
			out = append(out, Node{ID: id, Name: name, ParentID: parent, Type: typ, Order: order})
		}
		return id
	}
	order := func(i int) int {
		if r.IntN(10) == 0 {
			return 0 // unset upstream: ties broken by name
		}
		return i + 1
	}
	bureauDepts := []string{"局办公室", "基础教育科", "人事科", "财务科", "教研室", "电教馆", "安全科", "督导室"}
	for i, d := range bureauDepts {
		add(districtRootID, d, "4", i+1)
	}
	campusNames := []string{"本部校区", "东校区", "西校区", "南校区"}
	depts := []string{"办公室", "教务处", "德育处", "总务处", "团委", "语文教研组", "数学教研组", "英语教研组", "Science Dept", "信息中心"}
	type stage struct {
		name   string
		grades []string
	}
	stages := []stage{
		{"小学部", []string{"一年级", "二年级", "三年级", "四年级", "五年级", "六年级"}},
		{"初中部", []string{"初一", "初二", "初三"}},
		{"高中部", []string{"高一", "高二", "高三"}},
	}
	schoolKinds := []string{"第%d中学", "第%d小学", "实验学校%d", "International School %d", "外国语学校%d"}
	for s := 0; len(out) < n; s++ {
		school := add(districtRootID, fmt.Sprintf(schoolKinds[s%len(schoolKinds)], s/len(schoolKinds)+1), "2", order(s))
		for c := range 1 + r.IntN(3) {
			campus := add(school, campusNames[c], "3", c+1)
			for d := range 6 + r.IntN(5) {
				add(campus, depts[d], "4", order(d))
			}
			first := r.IntN(len(stages))
			for st := first; st < min(len(stages), first+1+r.IntN(2)); st++ {
				stageID := add(campus, stages[st].name, "5", st+1)
				for g, gname := range stages[st].grades {
					grade := add(stageID, gname, "6", g+1)
					for k := range 4 + r.IntN(11) {
						name := strconv.Itoa(k+1) + "班"
						if r.IntN(25) == 0 {
							name = fmt.Sprintf("Class %d%c", g+1, 'A'+k)
						}
						add(grade, name, "7", order(k))
					}
				}
			}
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
