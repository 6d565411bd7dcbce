package i18n

// Pausing, resuming, cancelling and canary pushes, and their time estimates
// (issue 11).

var pushControlZH = Catalog{
	"cards.eta.label":           "预计用时",
	"cards.eta.under_minute":    "不到 1 分钟",
	"cards.eta.minutes":         "约 %d 分钟",
	"cards.eta.hours":           "约 %d 小时",
	"cards.eta.left":            "剩余%s",
	"cards.eta.basis":           "（按每个副本 %[1]d 个并发调用、%[2]s、%[3]s 估算）",
	"cards.eta.rate":            "每秒最多 %s 次",
	"cards.eta.rate_unlimited":  "调用速率不限",
	"cards.eta.latency":         "平台近期延迟 %d 毫秒",
	"cards.eta.latency_assumed": "平台延迟按 %d 毫秒计（尚未调用过平台）",

	"cards.canary.label":    "试推：第一次调用（最多 %d 个账号）单独发送，然后暂停，由管理员检查后继续",
	"cards.canary.hint":     "先看这些账号上的卡片是否正确，再推送其余账号；不对就取消，其余账号不会收到。",
	"cards.canary.waiting":  "试推：第一次调用正在单独发送，收到平台答复后推送会暂停。",
	"cards.canary.paused":   "试推的第一次调用已有结果（见下方计数和失败列表）。请检查后继续推送剩余的 %d 次调用，或取消推送。",
	"cards.canary.continue": "继续推送剩余的 %d 次调用",

	"cards.job.pause":           "暂停",
	"cards.job.resume":          "继续推送",
	"cards.job.cancel":          "取消推送…",
	"cards.job.paused_note":     "%s 暂停了推送：不再开始新的调用，正在发送的调用会完成。暂停于",
	"cards.job.in_flight":       "正在发送 %d 次调用",
	"cards.job.cancelling_note": "%[1]s 取消了推送：剩余调用不再发送，正在发送的 %[2]d 次调用有结果后结束。",
	"cards.job.cancelled_note":  "%s 取消了推送，于",
	"cards.job.never_sent":      "%[1]d 次调用（%[2]d 个账号）从未发送",
	"cards.job.calls_cancelled": "已取消调用",
	"cards.job.paused_flash":    "推送任务 #%s 已暂停：不再开始新的调用，正在发送的调用会完成。",
	"cards.job.resumed_flash":   "推送任务 #%s 已继续。",
	"cards.job.cancelled_flash": "推送任务 #%[1]s 已取消，不会发送的调用：%[2]s 次。",
	"cards.job.cannot_pause":    "现在无法暂停：推送已结束、已暂停或已取消，或者试推的第一次调用正在发送（之后会自动暂停）。",
	"cards.job.not_paused":      "推送没有暂停。",
	"cards.job.cannot_cancel":   "推送已结束或已取消，无法再取消。",
	"cards.job.stays_cancelled": "此推送已取消，不能重新发送。",

	"cards.cancel.title":    "取消推送任务 #%d",
	"cards.cancel.question": "确定取消推送任务 #%d（%s）吗？",
	"cards.cancel.counts":   "尚未发送的 %[1]d 次调用将被取消，永远不会发送；正在发送的 %[2]d 次调用会完成并保留结果。",
	"cards.cancel.hint":     "此操作无法撤销。已经收到数据的账号保留新数据。",
	"cards.cancel.confirm":  "取消推送",
	"cards.cancel.back":     "返回，继续推送",

	"cards.status.paused":     "已暂停",
	"cards.status.cancelling": "正在取消",
	"cards.status.cancelled":  "已取消",

	"audit.act.cards.push.pause":  "暂停推送",
	"audit.act.cards.push.cancel": "取消推送",
	"audit.act.cards.push.canary": "试推调用有结果，推送暂停",
	"audit.outcomes.cancelled":    "已取消",
}

var pushControlEN = Catalog{
	"cards.eta.label":          "Estimated time",
	"cards.eta.under_minute":   "less than a minute",
	"cards.eta.left":           "%s left",
	"cards.eta.rate":           "up to %s a second",
	"cards.eta.rate_unlimited": "no rate limit",

	"cards.canary.hint":    "See that the card looks right for those accounts before the rest go out; if not, cancel and the rest never receive it.",
	"cards.canary.waiting": "Canary: the first call is being sent alone; the push pauses when the platform has answered it.",

	"cards.job.pause":           "Pause",
	"cards.job.resume":          "Resume",
	"cards.job.cancel":          "Cancel the push…",
	"cards.job.paused_note":     "Paused by %s: no new calls start; calls in flight finish. Paused at",
	"cards.job.cancelled_note":  "Cancelled by %s at",
	"cards.job.calls_cancelled": "Calls cancelled",
	"cards.job.paused_flash":    "Push job #%s paused: no new calls start; calls in flight finish.",
	"cards.job.resumed_flash":   "Push job #%s resumed.",
	"cards.job.cancelled_flash": "Push job #%[1]s cancelled. Calls that will never be sent: %[2]s.",
	"cards.job.cannot_pause":    "It cannot be paused now: the push has finished, is paused or cancelled, or its canary call is being sent (it pauses by itself after that).",
	"cards.job.not_paused":      "The push is not paused.",
	"cards.job.cannot_cancel":   "The push has finished or was cancelled already.",
	"cards.job.stays_cancelled": "This push was cancelled; it cannot be resent.",

	"cards.cancel.title":    "Cancel push job #%d",
	"cards.cancel.question": "Cancel push job #%d (%s)?",
	"cards.cancel.hint":     "This cannot be undone. Accounts that already received the data keep it.",
	"cards.cancel.confirm":  "Cancel the push",
	"cards.cancel.back":     "Back, keep pushing",

	"cards.status.paused":     "Paused",
	"cards.status.cancelling": "Cancelling",
	"cards.status.cancelled":  "Cancelled",

	"audit.act.cards.push.pause":  "Push paused",
	"audit.act.cards.push.cancel": "Push cancelled",
	"audit.act.cards.push.canary": "Canary call answered, push paused",
	"audit.outcomes.cancelled":    "Cancelled",
}

var pushControlCountedEN = CountedCatalog{
	"cards.eta.latency":         {"the platform's recent latency of %d ${milliseconds}", []Word{{1, "millisecond", "milliseconds"}}},
	"cards.eta.latency_assumed": {"an assumed latency of %d ${milliseconds} (no call made yet)", []Word{{1, "millisecond", "milliseconds"}}},
	"cards.eta.minutes":         {"about %d ${minutes}", []Word{{1, "minute", "minutes"}}},
	"cards.eta.hours":           {"about %d ${hours}", []Word{{1, "hour", "hours"}}},
	"cards.eta.basis":           {"(assuming %[1]d concurrent ${calls} per replica, %[2]s, %[3]s)", []Word{{1, "call", "calls"}}},
	"cards.canary.label":        {"Canary: send the first call (at most %d ${accounts}) alone, then pause until an admin has checked it and continues", []Word{{1, "account", "accounts"}}},
	"cards.canary.paused":       {"The canary call has its answer (see the counts and failures below). Check it, then continue with the remaining %d ${calls}, or cancel the push.", []Word{{1, "call", "calls"}}},
	"cards.canary.continue":     {"Continue: send the remaining %d ${calls}", []Word{{1, "call", "calls"}}},
	"cards.job.in_flight":       {"%d ${calls} in flight", []Word{{1, "call", "calls"}}},
	"cards.job.cancelling_note": {"Cancelled by %[1]s: nothing more is sent; it ends when the %[2]d ${calls} in flight have their answer.", []Word{{2, "call", "calls"}}},
	"cards.job.never_sent":      {"%[1]d ${calls} (%[2]d ${accounts}) never sent", []Word{{1, "call", "calls"}, {2, "account", "accounts"}}},
	"cards.cancel.counts":       {"Not yet sent: %[1]d ${calls}, cancelled and never sent. In flight: %[2]d, which finish and keep their outcome.", []Word{{1, "call", "calls"}}},
}
