package i18n

var messagesZH = Catalog{}

var messagesEN = Catalog{}
