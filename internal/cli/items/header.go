package items

import "strings"

// Header is one request header in the order it is sent.
type Header struct {
	Name  string // as typed, or the canonical form for defaults
	Value string // "" for an unset header
	// Unset marks a header removed with "Name:": it must not be sent, not
	// even by a transport or client that would add it by default (such as
	// User-Agent). An unset header has no other entries of the same name.
	Unset bool
}

// headerList keeps headers with the semantics of HTTPie's HTTPHeadersDict,
// a case-insensitive multi-dict.
type headerList []Header

func (h headerList) index(name string, from int) int {
	for i := from; i < len(h); i++ {
		if strings.EqualFold(h[i].Name, name) {
			return i
		}
	}
	return -1
}

// get returns the first entry of name.
func (h headerList) get(name string) (Header, bool) {
	if i := h.index(name, 0); i >= 0 {
		return h[i], true
	}
	return Header{}, false
}

// add appends a header as HTTPHeadersDict.add does: an unset entry replaces
// every entry of the name, and a value replaces an unset entry.
func (h *headerList) add(e Header) {
	if e.Unset {
		h.set(e)
		return
	}
	if i := h.index(e.Name, 0); i >= 0 && (*h)[i].Unset {
		*h = append((*h)[:i], (*h)[i+1:]...)
	}
	*h = append(*h, e)
}

// set replaces the first entry of the name in place, drops the others, or
// appends (a multi-dict's item assignment).
func (h *headerList) set(e Header) {
	i := h.index(e.Name, 0)
	if i < 0 {
		*h = append(*h, e)
		return
	}
	(*h)[i] = e
	out := (*h)[:i+1]
	for _, x := range (*h)[i+1:] {
		if !strings.EqualFold(x.Name, e.Name) {
			out = append(out, x)
		}
	}
	*h = out
}

// update merges other into h as a multi-dict's update does: the n-th entry
// of a name in other replaces the n-th entry of that name in h, or is
// appended, and entries of that name left over in h are dropped.
func (h *headerList) update(other headerList) {
	used := map[string]int{} // lower-case name -> index after the last replaced entry
	for _, e := range other {
		key := strings.ToLower(e.Name)
		if i := h.index(e.Name, used[key]); i >= 0 {
			(*h)[i] = e
			used[key] = i + 1
			continue
		}
		*h = append(*h, e)
		used[key] = len(*h)
	}
	out := (*h)[:0]
	for i, e := range *h {
		if pos, ok := used[strings.ToLower(e.Name)]; ok && i >= pos {
			continue
		}
		out = append(out, e)
	}
	*h = out
}
