package limpet

// Version is the version of this module, reported in the default User-Agent
// and in saved sessions.
const Version = "0.1.0"

// DefaultUserAgent is the User-Agent a Session sends unless told otherwise.
const DefaultUserAgent = "limpet/" + Version
