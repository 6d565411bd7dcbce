package i18n

// Uploaded files (internal/sheet, forms/upload.go, components.UploadField).
var uploadsZH = Catalog{
	"upload.limits":            "CSV（UTF-8 或 GBK/GB18030 编码）或 XLSX（读取第一个工作表），最大 %s，表头外最多 %d 行。",
	"upload.template":          "下载模板：",
	"upload.template.csv":      "CSV 模板",
	"upload.template.xlsx":     "XLSX 模板",
	"upload.err.not_text":      "无法识别文件编码：既不是 UTF-8 也不是 GB18030/GBK。请在 Excel 中另存为“CSV UTF-8”或 .xlsx 后重新上传。",
	"upload.err.xlsx":          "无法读取这个 .xlsx 文件，请在 Excel 中重新保存后再上传。",
	"upload.err.old_excel":     "不支持 .xls（Excel 97–2003）或加密的工作簿，请另存为 .xlsx 或 CSV。",
	"upload.err.too_large":     "文件过大：最大 %s。其他已填写的内容都已保留，请重新选择较小的文件。",
	"upload.err.too_many_rows": "行数过多：表头外最多 %d 行。",
	"upload.err.problems":      "文件中有 %d 处问题，见下表。",
	"upload.err.csv_syntax":    "文件第 %d 行不是有效的 CSV（引号不成对？）。",
}

var uploadsEN = Catalog{
	"upload.template":       "Templates: ",
	"upload.template.csv":   "CSV template",
	"upload.template.xlsx":  "XLSX template",
	"upload.err.not_text":   "The file is neither UTF-8 nor GB18030/GBK text. Save it from Excel as “CSV UTF-8” or .xlsx and upload it again.",
	"upload.err.xlsx":       "This .xlsx file cannot be read; save it again in Excel and upload it.",
	"upload.err.old_excel":  "Old .xls (Excel 97–2003) and encrypted workbooks are not supported; save it as .xlsx or CSV.",
	"upload.err.too_large":  "The file is too large: at most %s. Everything else you entered is kept; choose a smaller file.",
	"upload.err.problems":   "Problems in the file: %d (listed below).",
	"upload.err.csv_syntax": "Line %d of the file is not valid CSV (unbalanced quotes?).",
}

// uploadsCountedEN holds the English upload messages whose words agree with a count.
var uploadsCountedEN = CountedCatalog{
	"upload.limits":            {"CSV (UTF-8 or GBK/GB18030) or XLSX (its first sheet), at most %[1]s and %[2]d ${rows} besides the header.", []Word{{2, "row", "rows"}}},
	"upload.err.too_many_rows": {"Too many rows: at most %d ${rows} besides the header.", []Word{{1, "row", "rows"}}},
}
