// Package mock provides test doubles of the counter interfaces. Each mock
// has one function field per method (benbjohnson/wtf mock/dial.go): a test
// sets the fields it expects to be called, and calling a method whose field
// is nil panics, which makes an unexpected call fail the test loudly.
package mock
