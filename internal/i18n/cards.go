package i18n

var cardsZH = Catalog{}

var cardsEN = Catalog{}
