// Command stateattrs accounts for the bytes of a costhandoff_check's state,
// attribute by attribute, as make bench counts them (the compact JSON of an
// instance's attributes):
//
//	go run ./bench/stateattrs [-address costhandoff_check.bench[0]] a.tfstate [b.tfstate]
//
// Each row is an attribute's share of that JSON: `"name":value` and the
// comma after it; the shares and the two braces add up to the total. With a
// second state file it prints both columns, their difference and a * where
// the values differ.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
)

func main() {
	address := flag.String("address", "", "the instance to read, e.g. costhandoff_check.bench[0]; default: the first costhandoff_check instance")
	flag.Parse()
	if flag.NArg() < 1 || flag.NArg() > 2 {
		fmt.Fprintln(os.Stderr, "usage: stateattrs [-address ADDR] a.tfstate [b.tfstate]")
		os.Exit(2)
	}
	var cols []attributes
	for _, path := range flag.Args() {
		raw, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "stateattrs:", err)
			os.Exit(1)
		}
		a, err := readInstance(raw, *address)
		if err != nil {
			fmt.Fprintf(os.Stderr, "stateattrs: %s: %v\n", path, err)
			os.Exit(1)
		}
		cols = append(cols, a)
	}
	write(os.Stdout, cols)
}

// attributes is one instance's attributes as compact JSON, whole and by name.
type attributes struct {
	compact []byte
	values  map[string]json.RawMessage
}

// share is what name adds to the compact JSON: "name":value and a comma.
func (a attributes) share(name string) int {
	v, ok := a.values[name]
	if !ok {
		return 0
	}
	key, _ := json.Marshal(name)
	return len(key) + 1 + len(v) + 1
}

// readInstance finds the instance of costhandoff_check at address (or the
// first one) in a terraform.tfstate.
func readInstance(raw []byte, address string) (attributes, error) {
	var st struct {
		Resources []struct {
			Mode, Type, Name string
			Module           string
			Instances        []struct {
				IndexKey   json.RawMessage `json:"index_key"`
				Attributes json.RawMessage `json:"attributes"`
			}
		}
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return attributes{}, err
	}
	for _, r := range st.Resources {
		if r.Mode != "managed" || r.Type != "costhandoff_check" {
			continue
		}
		for _, inst := range r.Instances {
			addr := r.Type + "." + r.Name
			if r.Module != "" {
				addr = r.Module + "." + addr
			}
			if len(inst.IndexKey) > 0 {
				addr += "[" + string(inst.IndexKey) + "]"
			}
			if address != "" && addr != address {
				continue
			}
			var c bytes.Buffer
			if err := json.Compact(&c, inst.Attributes); err != nil {
				return attributes{}, err
			}
			a := attributes{compact: c.Bytes()}
			if err := json.Unmarshal(a.compact, &a.values); err != nil {
				return attributes{}, err
			}
			return a, nil
		}
	}
	if address != "" {
		return attributes{}, fmt.Errorf("no instance %s", address)
	}
	return attributes{}, fmt.Errorf("no costhandoff_check instance")
}

func write(w io.Writer, cols []attributes) {
	var names []string
	for _, c := range cols {
		for n := range c.values {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	row := func(label string, sizes []int, differs bool) {
		fmt.Fprintf(w, "%-24s", label)
		for _, s := range sizes {
			fmt.Fprintf(w, " %6d", s)
		}
		if len(sizes) == 2 {
			fmt.Fprintf(w, " %+6d", sizes[1]-sizes[0])
			if differs {
				fmt.Fprint(w, " *")
			}
		}
		fmt.Fprintln(w)
	}
	totals := make([]int, len(cols))
	for i, c := range cols {
		totals[i] = len(c.compact)
	}
	row("total", totals, false)
	for _, n := range names {
		sizes := make([]int, len(cols))
		for i, c := range cols {
			sizes[i] = c.share(n)
		}
		differs := len(cols) == 2 && !bytes.Equal(cols[0].values[n], cols[1].values[n])
		row(n, sizes, differs)
	}
	fmt.Fprintln(w, "(each row: \"name\":value and its comma; rows + 1 = total: the braces, less the last comma; "+strconv.Itoa(len(names))+" attributes)")
}
