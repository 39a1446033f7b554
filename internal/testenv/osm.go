package testenv

import (
	"fmt"
	"strings"
)

// OSMNode is a node of a test extract.
type OSMNode struct {
	ID       int
	Lat, Lng float64
}

// OSMWay is a way of a test extract, with its tags.
type OSMWay struct {
	ID    int
	Nodes []int
	Tags  map[string]string
}

// OSMXML writes a minimal OpenStreetMap XML extract, for tests that build
// their own street networks.
func OSMXML(nodes []OSMNode, ways []OSMWay) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<osm version="0.6" generator="lifecircle-test">` + "\n")
	for _, n := range nodes {
		fmt.Fprintf(&b, `  <node id="%d" lat="%.7f" lon="%.7f" version="1"/>`+"\n", n.ID, n.Lat, n.Lng)
	}
	for _, w := range ways {
		fmt.Fprintf(&b, `  <way id="%d" version="1">`+"\n", w.ID)
		for _, n := range w.Nodes {
			fmt.Fprintf(&b, `    <nd ref="%d"/>`+"\n", n)
		}
		for k, v := range w.Tags {
			fmt.Fprintf(&b, `    <tag k="%s" v="%s"/>`+"\n", k, v)
		}
		b.WriteString("  </way>\n")
	}
	b.WriteString("</osm>\n")
	return b.String()
}
