package i18n

var orgZH = Catalog{}

var orgEN = Catalog{}
