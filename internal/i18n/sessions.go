package i18n

// Sessions and kept forms (issue 9): the session lists, "sign out other
// sessions", and what the sign-in and resume pages say about a kept form.

var sessionsZH = Catalog{
	"layout.my_sessions":     "我的会话",
	"sessions.title":         "我的会话",
	"sessions.heading":       "会话",
	"sessions.intro":         "以下是您当前登录的浏览器。每个用户最多同时保持 %d 个会话，超出时最久未使用的会话会被结束。",
	"sessions.none":          "没有在线会话。",
	"sessions.created":       "登录时间",
	"sessions.last_seen":     "最近使用",
	"sessions.ip":            "IP 地址",
	"sessions.browser":       "浏览器",
	"sessions.this":          "当前会话",
	"sessions.end_others":    "退出其他所有会话",
	"sessions.others_ended":  "已退出其他所有会话，只保留当前会话。",
	"users.page_title":       "用户 %s",
	"users.back":             "返回用户列表",
	"login.form_too_large":   "您提交的表单超过 %s MB，未能保留。登录后请重新填写并提交。",
	"login.form_upload":      "您提交的表单包含上传文件，上传内容不会保留。登录后请重新选择文件并提交。",
	"session.ended_fragment": "登录已过期，预览没有更新。您输入的内容都还在页面上：登录后会回到这里，所有内容原样保留。",
	"session.ended_continue": "登录并继续编辑",
	"resume.omitted":         "为安全起见，密码等敏感字段没有保留，请重新输入：",
	// issue 12: user search, last sign-in, confirmations
	"users.search_label":               "按用户名或显示名称搜索",
	"users.search":                     "搜索",
	"users.search_clear":               "显示全部",
	"users.found":                      "共 %[2]d 个用户，%[1]d 个符合。",
	"users.none_found":                 "没有用户名或显示名称包含“%s”的用户。",
	"users.last_login":                 "上次登录",
	"users.never_signed_in":            "从未登录",
	"users.confirm_disable_title":      "停用 %s？",
	"users.confirm_disable_body":       "停用后该账号无法登录，它的所有会话立即结束；以后可以重新启用。",
	"users.confirm_end_sessions_title": "结束 %s 的会话？",
	"users.confirm_end_sessions_body":  "该用户的所有会话会立即结束，需要重新登录。",
	"users.confirm_end_sessions_self":  "你自己的所有会话会立即结束，包括现在这个：你需要重新登录。",
}

var sessionsEN = Catalog{
	"layout.my_sessions":     "My sessions",
	"sessions.title":         "My sessions",
	"sessions.heading":       "Sessions",
	"sessions.none":          "No live sessions.",
	"sessions.created":       "Signed in",
	"sessions.last_seen":     "Last used",
	"sessions.ip":            "IP address",
	"sessions.browser":       "Browser",
	"sessions.this":          "This session",
	"sessions.end_others":    "Sign out all other sessions",
	"sessions.others_ended":  "All other sessions are signed out; only this one remains.",
	"users.page_title":       "User %s",
	"users.back":             "Back to users",
	"login.form_too_large":   "The form you submitted is larger than %s MB and was not kept. Sign in and fill it in again.",
	"login.form_upload":      "The form you submitted included a file upload, which is not kept. Sign in, choose the file again and submit.",
	"resume.omitted":         "For your security, passwords and other secret fields were not kept. Enter them again:",
	"session.ended_fragment": "Your session has ended, so the preview was not updated. Everything you typed is still here: sign in and you come back to it as it is.",
	"session.ended_continue": "Sign in and keep editing",
	// issue 12: user search, last sign-in, confirmations
	"users.search_label":               "Search by username or display name",
	"users.search":                     "Search",
	"users.search_clear":               "Show all",
	"users.none_found":                 "No user's username or display name contains “%s”.",
	"users.last_login":                 "Last sign-in",
	"users.never_signed_in":            "never",
	"users.confirm_disable_title":      "Disable %s?",
	"users.confirm_disable_body":       "The account can no longer sign in and all its sessions end at once; you can enable it again later.",
	"users.confirm_end_sessions_title": "End the sessions of %s?",
	"users.confirm_end_sessions_body":  "All of the user's sessions end at once; they have to sign in again.",
	"users.confirm_end_sessions_self":  "All your own sessions end at once, this one included: you will have to sign in again.",
}

// sessionsCountedEN holds the English messages whose words agree with a count.
var sessionsCountedEN = CountedCatalog{
	"sessions.intro": {"These are the browsers you are signed in with. A user keeps at most %d ${sessions} at once; past that, the one unused for longest is ended.", []Word{{1, "session", "sessions"}}},
	"users.found":    {"%[1]d of %[2]d ${users} ${match}.", []Word{{2, "user", "users"}, {1, "matches", "match"}}},
}
