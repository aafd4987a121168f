// Package alertmanager generates the Alertmanager configuration that
// routes motcua's alerts to the head of the agency concerned and on up to
// every supervising head (SPEC.md §8 alertmanager-config), from the agency
// tree, the working calendar and the receivers file (configs/receivers.yaml).
//
// The route tree mirrors the agency tree. Alertmanager stops at the
// deepest matching route, so each agency's route starts with a "self" leg
// (same matchers, continue: true) that delivers to its head before the
// child routes deliver further down: an alert about a ward counter reaches
// the counter's head, the ward chairman, the district chairman and the
// city chairman. The tree is generated twice: once for criticals, which
// page at any hour, and once for warnings, muted outside the office hours
// of working days and on holidays, both taken from calendar.yaml because
// Alertmanager has no holiday calendar of its own.
//
// # Caveats
//
// Time intervals are evaluated by Alertmanager when it notifies; a warning
// raised at night is sent at the next opening if it is still firing
// (its group is re-evaluated every group_interval).
//
// Each agency's matcher lists its subtree's ids in one regular expression:
// for a tree of n agencies of depth d the file holds about n·d ids, a few
// tens of kilobytes for a city.
package alertmanager
