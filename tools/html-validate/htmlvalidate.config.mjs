// html-validate configuration for the console's pages (internal/e2e runs it
// on every HTML response the browser journeys receive). The recommended rules
// apply; each exception below is a deliberate choice of the console.
export default {
	extends: ["html-validate:recommended"],
	rules: {
		// templ writes the doctype as `<!doctype html>` whatever the template
		// says; both spellings are valid HTML, so accept the one templ emits.
		"doctype-style": ["error", { style: "lowercase" }],
	},
};
