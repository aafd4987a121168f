// Package configs loads and validates a motcua configuration folder
// (SPEC.md §2) and ships Da Nang's: the agency tree with heads and
// officials (agencies.yaml), the procedure catalogue (procedures.yaml), the
// national working calendar (calendar.yaml) and the breach thresholds
// (rules.yaml).
//
// Load reads any fs.FS: Embedded for the shipped files, os.DirFS for
// --config DIR. It reports every problem at once, each with its file and
// line, because check-config is run by an administrator fixing a folder by
// hand, and one problem per run would turn a typo hunt into a dozen runs.
//
// The YAML is parsed with github.com/goccy/go-yaml into an AST, converted
// into a small tree of mappings, lists and scalars with their lines, and
// then read by hand. Decoding into structs would stop at the first error
// and lose the line of anything found wrong after decoding.
//
// # Caveats
//
// YAML aliases (*name) and merge keys (<<) are rejected: expanding them
// lets a short file grow exponentially, and the folder is small enough to
// write out in full.
//
// Unquoted scalars keep their spelling, so a procedure code written as
// 1.001193 (a float to YAML) still loads as "1.001193"; quote codes anyway.
//
// The procedure codes shipped in procedures.yaml must be checked against
// the national database of administrative procedures before production
// use; the people named in agencies.yaml are invented.
package configs
