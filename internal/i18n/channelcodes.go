package i18n

var channelCodesZH = Catalog{}

var channelCodesEN = Catalog{}
