package counter_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
)

// TestEventClone: a clone shares no memory that can change with the
// original, for every field of Event, so a field added later that holds a
// pointer, slice or map fails here until Clone copies it; nil and empty
// slices keep their form (JSON tells them apart only by omitempty, but
// views compare them).
func TestEventClone(t *testing.T) {
	e := counter.Event{ID: "e1", Type: counter.Received, Dossier: "D", At: time.Now(),
		Applicant: &counter.Applicant{Name: "Lê Thị Hoa", Phone: "0905000000"},
		Documents: []counter.Item{{Code: "don"}}, Slip: &counter.Slip{Number: "S1", DueAt: time.Now()},
		Items: []counter.Item{{Code: "cccd", Name: "Căn cước"}}}
	v := reflect.ValueOf(e)
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			require.False(t, f.IsNil(), "the test's event sets %s", v.Type().Field(i).Name)
		}
	}
	c := e.Clone()
	require.Equal(t, e, c)
	cv := reflect.ValueOf(c)
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		switch v.Field(i).Kind() {
		case reflect.Pointer, reflect.Map:
			require.NotEqual(t, v.Field(i).Pointer(), cv.Field(i).Pointer(), "%s is shared", name)
		case reflect.Slice:
			require.NotEqual(t, v.Field(i).Pointer(), cv.Field(i).Pointer(), "%s is shared", name)
		}
	}
	c.Applicant.Name, c.Slip.Number, c.Documents[0].Code, c.Items[0].Name = "x", "x", "x", "x"
	require.Equal(t, "Lê Thị Hoa", e.Applicant.Name)
	require.Equal(t, "S1", e.Slip.Number)
	require.Equal(t, "don", e.Documents[0].Code)
	require.Equal(t, "Căn cước", e.Items[0].Name)

	bare := counter.Event{ID: "e2", Documents: []counter.Item{}}.Clone()
	require.Nil(t, bare.Applicant)
	require.Nil(t, bare.Items)
	require.NotNil(t, bare.Documents)
	require.Empty(t, bare.Documents)
}
