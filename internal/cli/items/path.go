package items

import (
	"slices"
	"strconv"
	"strings"
)

// Nested JSON keys, as in HTTPie 3.2: a[b]=1, a[b][]=x, a[b][1]=y, []=x.
//
// A key is tokenized into text, numbers and brackets; "\[", "\]" and "\\"
// are literal characters, and a backslash before a number makes it text
// (a[\1] is the key "1", not index 1). The grammar is
//
//	path  = root step*
//	root  = literal | "[" number "]" | "[" "]" | (nothing)
//	step  = "[" text "]" | "[" number "]" | "[" "]"
//
// where a number is whatever Python's int() accepts.

type ptokKind uint8

const (
	ptText ptokKind = iota
	ptNumber
	ptLeft
	ptRight
)

func (k ptokKind) name() string {
	return [...]string{"a text", "a number", "'['", "']'"}[k]
}

// ptoken is a path token; start and end are rune offsets in the key.
type ptoken struct {
	kind       ptokKind
	text       string // text, or the canonical decimal of a number
	start, end int
}

// tokenizePath splits a nested JSON key into tokens.
func tokenizePath(key string) []ptoken {
	runes := []rune(key)
	var (
		toks        []ptoken
		buf         []rune
		backslashes int
	)
	flush := func(cursor int) {
		if len(buf) == 0 {
			return
		}
		t := ptoken{kind: ptText, text: string(buf), start: cursor - len(buf) - backslashes, end: cursor}
		if backslashes == 0 {
			if n, ok := pyInt(t.text); ok {
				t.kind, t.text = ptNumber, n
			} else if len(buf) > 1 && buf[0] == '\\' {
				if _, ok := pyInt(string(buf[1:])); ok {
					t.text = string(buf[1:])
				}
			}
		}
		toks = append(toks, t)
		buf = buf[:0]
		backslashes = 0
	}
	for c := 0; c < len(runes); c++ {
		switch r := runes[c]; {
		case r == '[' || r == ']':
			flush(c)
			k := ptLeft
			if r == ']' {
				k = ptRight
			}
			toks = append(toks, ptoken{kind: k, text: string(r), start: c, end: c + 1})
		case r == '\\' && c+1 < len(runes):
			next := runes[c+1]
			if next == '[' || next == ']' || next == '\\' {
				backslashes++
			} else {
				buf = append(buf, r)
			}
			buf = append(buf, next)
			c++
		default: // including a trailing backslash, which HTTPie cannot reach
			buf = append(buf, r)
		}
	}
	flush(len(runes))
	return toks
}

type stepKind uint8

const (
	stepKey stepKind = iota
	stepIndex
	stepAppend
)

func (k stepKind) name() string { return [...]string{"key", "index", "append"}[k] }

// pathStep is one access in a nested JSON path.
type pathStep struct {
	kind   stepKind
	key    string // for stepKey
	num    string // for stepIndex: the canonical decimal, maybe negative or huge
	root   bool
	tokens []ptoken // the tokens that make up the step, for error positions
}

// reconstruct writes the step as it would be typed.
func (s pathStep) reconstruct() string {
	switch s.kind {
	case stepKey:
		if s.root {
			return s.key
		}
		return "[" + s.key + "]"
	case stepIndex:
		return "[" + s.num + "]"
	}
	return "[]"
}

// maxArrayIndex bounds indexes in nested JSON paths. HTTPie pads arrays
// with nulls up to any index; limpet refuses indexes that would allocate
// absurd amounts of memory.
const maxArrayIndex = 1 << 16

// maxPadding bounds the array slots that indexes create, all items of a
// request together: each index is below maxArrayIndex, but thousands of
// them would still make gigabytes of nulls from a short command line.
const maxPadding = 1 << 20

// padNull is the null that pads arrays. Containers replace a null rather
// than change it, so one value serves every slot.
var padNull = &jsonValue{kind: jsonNull}

// parsePath parses a nested JSON key into steps.
func parsePath(key string) ([]pathStep, error) {
	toks := tokenizePath(key)
	cur := 0
	expect := func(kinds ...ptokKind) (ptoken, error) {
		var bad ptoken
		switch {
		case cur < len(toks):
			t := toks[cur]
			cur++
			for _, k := range kinds {
				if t.kind == k {
					return t, nil
				}
			}
			bad = t
		default: // past the end: point just after the last token
			last := toks[len(toks)-1]
			bad = ptoken{start: last.end, end: last.end + 1}
		}
		names := make([]string, len(kinds))
		for i, k := range kinds {
			names[i] = k.name()
		}
		msg := names[len(names)-1]
		if len(names) > 1 {
			msg = strings.Join(names[:len(names)-1], ", ") + " or " + msg
		}
		return ptoken{}, &PathError{Kind: PathSyntax, Message: "Expecting " + msg, Key: key, Start: bad.start, End: bad.end}
	}
	var steps []pathStep
	if len(toks) == 0 {
		return []pathStep{{kind: stepKey, root: true}}, nil
	}
	t, err := expect(ptText, ptNumber, ptLeft)
	if err != nil {
		return nil, err
	}
	root := pathStep{root: true, tokens: []ptoken{t}}
	if t.kind == ptLeft {
		t2, err := expect(ptNumber, ptRight)
		if err != nil {
			return nil, err
		}
		root.tokens = append(root.tokens, t2)
		if t2.kind == ptNumber {
			// HTTPie checks the closing bracket before the sign.
			t3, err := expect(ptRight)
			if err != nil {
				return nil, err
			}
			root.tokens = append(root.tokens, t3)
			root.kind, root.num = stepIndex, t2.text
		} else {
			root.kind = stepAppend
		}
	} else {
		root.kind, root.key = stepKey, t.text
	}
	steps = append(steps, root)

	for cur < len(toks) {
		open, err := expect(ptLeft)
		if err != nil {
			return nil, err
		}
		t, err := expect(ptText, ptNumber, ptRight)
		if err != nil {
			return nil, err
		}
		step := pathStep{tokens: []ptoken{open, t}}
		switch t.kind {
		case ptRight:
			step.kind = stepAppend
		default:
			closing, err := expect(ptRight)
			if err != nil {
				return nil, err
			}
			step.tokens = append(step.tokens, closing)
			if t.kind == ptText {
				step.kind, step.key = stepKey, t.text
			} else {
				step.kind, step.num = stepIndex, t.text
			}
		}
		steps = append(steps, step)
	}
	return steps, nil
}

// containerFor returns the empty container a step needs: an object for a
// key, an array for an index or an append.
func containerFor(k stepKind) *jsonValue {
	if k == stepKey {
		return &jsonValue{kind: jsonObject}
	}
	return &jsonValue{kind: jsonArray}
}

// interpretPath stores value at the path given by key inside root, creating
// containers as needed, and returns the (possibly new) root. It follows
// HTTPie's interpreter; where HTTPie meets a null on the way it throws the
// whole body away, limpet replaces the null with a container, as HTTPie does
// for the nulls that pad arrays. padded counts the array slots that indexes
// created so far, across calls; it may not pass maxPadding.
func interpretPath(root *jsonValue, key string, value *jsonValue, padded *int) (*jsonValue, error) {
	steps, err := parsePath(key)
	if err != nil {
		return nil, err
	}
	if root == nil {
		root = containerFor(steps[0].kind)
	}
	cursor := root
	for i, step := range steps {
		last := i == len(steps)-1
		want := jsonObject
		if step.kind != stepKey {
			want = jsonArray
		}
		if cursor.kind != want {
			return nil, typeError(key, steps, i, cursor.kind, want)
		}
		var next *jsonValue
		if !last {
			next = containerFor(steps[i+1].kind)
		}
		switch step.kind {
		case stepKey:
			if last {
				cursor.set(step.key, value)
				break
			}
			j := cursor.lookup(step.key)
			if j < 0 || cursor.obj[j].val.kind == jsonNull {
				cursor.set(step.key, next)
				cursor = next
			} else {
				cursor = cursor.obj[j].val
			}
		case stepIndex:
			n, err := stepIndexValue(key, step)
			if err != nil {
				return nil, err
			}
			if grow := n + 1 - len(cursor.arr); grow > 0 {
				if *padded+grow > maxPadding {
					t := step.tokens[1]
					return nil, &PathError{Kind: PathValue, Key: key, Start: t.start, End: t.end,
						Message: "Indexes that pad arrays with more than " + strconv.Itoa(maxPadding) + " nulls in all are not supported."}
				}
				*padded += grow
				cursor.arr = slices.Grow(cursor.arr, grow)
				for range grow {
					cursor.arr = append(cursor.arr, padNull)
				}
			}
			if last {
				cursor.arr[n] = value
				break
			}
			if cursor.arr[n].kind == jsonNull {
				cursor.arr[n] = next
			}
			cursor = cursor.arr[n]
		case stepAppend:
			if last {
				cursor.arr = append(cursor.arr, value)
				break
			}
			cursor.arr = append(cursor.arr, next)
			cursor = next
		}
	}
	return root, nil
}

// stepIndexValue checks an index step, after the type check as in HTTPie.
func stepIndexValue(key string, step pathStep) (int, error) {
	t := step.tokens[1]
	if strings.HasPrefix(step.num, "-") {
		return 0, &PathError{Kind: PathValue, Message: "Negative indexes are not supported.", Key: key, Start: t.start, End: t.end}
	}
	n, err := strconv.Atoi(step.num)
	if err != nil || n > maxArrayIndex {
		return 0, &PathError{Kind: PathValue, Message: "Indexes above " + strconv.Itoa(maxArrayIndex) + " are not supported.", Key: key, Start: t.start, End: t.end}
	}
	return n, nil
}

func typeError(key string, steps []pathStep, i int, have, want jsonKind) error {
	var prefix strings.Builder
	for _, s := range steps[:i] {
		prefix.WriteString(s.reconstruct())
	}
	step := steps[i]
	e := &PathError{
		Kind: PathType,
		Message: "Can't perform " + pyRepr(step.kind.name()) + " based access on " + pyRepr(prefix.String()) +
			" which has a type of " + pyRepr(have.typeName()) + " but this operation requires a type of " +
			pyRepr(want.typeName()) + ".",
		Key: key, Start: -1, End: -1,
	}
	if len(step.tokens) > 0 {
		e.Start, e.End = step.tokens[0].start, step.tokens[len(step.tokens)-1].end
	}
	return e
}
