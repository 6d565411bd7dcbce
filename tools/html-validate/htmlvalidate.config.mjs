// html-validate configuration for the console's pages (internal/e2e runs it
// on every HTML response the browser journeys receive). The recommended rules
// apply; each exception below is a deliberate choice of the console.
export default {
	extends: ["html-validate:recommended"],
	rules: {
		// templ writes the doctype as `<!doctype html>` whatever the template
		// says; both spellings are valid HTML, so accept the one templ emits.
		"doctype-style": ["error", { style: "lowercase" }],
		// The org picker names its list of chosen nodes by the visible
		// "Picked:" text (aria-labelledby on the <ul>), so a screen reader
		// says which list a chip's remove button is in. ARIA allows naming a
		// list; the recommended preset only discourages it.
		"aria-label-misuse": ["error", { allowAnyNamable: true }],
		// A list travels as repeated hidden inputs of one name, as HTML forms
		// submit multi-valued fields: the picker's chips (one orgIds input per
		// picked node), the confirmation's send form and the resume page carry
		// every value that way. The rule can exempt radios and buttons but not
		// hidden inputs, and Go reads the repeated name without PHP's "[]".
		"form-dup-name": "off",
	},
};
