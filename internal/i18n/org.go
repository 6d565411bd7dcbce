package i18n

// The org tree (issue 6): tree, node details, search, export and the node picker.

var orgZH = Catalog{
	"org.picker.legend":             "部门",
	"org.picker.search_label":       "按名称或 ID 搜索部门",
	"org.picker.search_placeholder": "例如：三年级（2）班",
	"org.picker.search":             "搜索",
	"org.picker.none":               "没有名称包含“%s”或 ID 为它的部门。",
	"org.picker.total":              "显示 %s 个，共 %s 个结果",
	"org.picker.add":                "添加",
	"org.picker.picked":             "已选：",
	"org.picker.remove":             "移除 %s",
	"org.picker.unknown":            "该组织中没有此 ID",
}

var orgEN = Catalog{
	"org.picker.legend":             "Departments",
	"org.picker.search_label":       "Search departments by name or id",
	"org.picker.search_placeholder": "e.g. Grade 3 Class 2",
	"org.picker.search":             "Search",
	"org.picker.none":               "No department's name contains “%s”, and none has it as id.",
	"org.picker.total":              "Showing %s of %s results",
	"org.picker.add":                "Add",
	"org.picker.picked":             "Picked:",
	"org.picker.remove":             "Remove %s",
	"org.picker.unknown":            "No such id in this organisation",
}
