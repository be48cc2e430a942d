package store

// ParseSlowly exposes the slow path of Parse (unknown members, error
// location), which must give the same result as the fast one.
var ParseSlowly = parseSlowly
