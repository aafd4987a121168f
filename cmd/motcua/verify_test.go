package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

const (
	bootSecret = "bootstrap-secret-for-tests-0001"
	idNumber   = "079203001234"
)

// fillDB serves a new database, records n receipts through the API (the
// first with an applicant id number), stops, and returns the database
// path and the tokens used.
func fillDB(t *testing.T, n int) (db string, tokens []string) {
	t.Helper()
	db = filepath.Join(t.TempDir(), "motcua.db")
	m, base := startServeDB(t, db, map[string]string{"MOTCUA_BOOTSTRAP_TOKEN": bootSecret})
	writer := mint(t, base, bootSecret, "integration", "so-xd")
	for i := 1; i <= n; i++ {
		ev := receivedEvent(t, fmt.Sprintf("ev-%d", i), fmt.Sprintf("V-%04d", i))
		if i == 1 {
			ev = []byte(strings.Replace(string(ev), `"applicant": {"name": "Hoàng E"}`,
				`"applicant": {"name": "Hoàng E", "id_number": "`+idNumber+`"}`, 1))
			require.Contains(t, string(ev), idNumber)
		}
		status, body := request(t, "POST", base+"/api/v1/events", writer, ev)
		require.Equal(t, 201, status, "%s", body)
	}
	require.NoError(t, m.Close())
	return db, []string{bootSecret, writer}
}

// tamper changes one field of log entry seq inside the bbolt file.
func tamper(t *testing.T, db string, seq uint64) {
	t.Helper()
	bdb, err := bolt.Open(db, 0o600, &bolt.Options{Timeout: time.Second})
	require.NoError(t, err)
	defer bdb.Close()
	require.NoError(t, bdb.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("log"))
		require.NotNil(t, b)
		key := binary.BigEndian.AppendUint64(nil, seq)
		var e map[string]any
		require.NoError(t, json.Unmarshal(b.Get(key), &e))
		require.Equal(t, "direct", e["channel"])
		e["channel"] = "online" // a quiet rewrite of history
		v, err := json.Marshal(e)
		require.NoError(t, err)
		return b.Put(key, v)
	}))
}

func TestVerify(t *testing.T) {
	db, _ := fillDB(t, 5)
	code, stdout, stderr := run(t, context.Background(), nil, "verify", "--db", db)
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stdout, "ok: 5 events, head ")

	tests := []struct {
		name string
		seq  uint64
	}{
		{"first event", 1},
		{"middle event", 3},
		{"last event", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			copyDB := filepath.Join(t.TempDir(), "copy.db")
			b, err := os.ReadFile(db)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(copyDB, b, 0o600))
			tamper(t, copyDB, tt.seq)
			code, stdout, stderr := run(t, context.Background(), nil, "verify", "--db", copyDB)
			require.Equal(t, ExitFail, code, "stdout %s stderr %s", stdout, stderr)
			require.Contains(t, stdout, fmt.Sprintf("broken at event %d:", tt.seq))
		})
	}

	code, _, stderr = run(t, context.Background(), nil, "verify", "--db", filepath.Join(t.TempDir(), "absent.db"))
	require.Equal(t, ExitFail, code)
	require.Contains(t, stderr, "no such file")
}

// TestVerifyAPI checks GET /audit/verify on a good chain.
func TestVerifyAPI(t *testing.T) {
	db, _ := fillDB(t, 2)
	_, base := startServeDB(t, db, map[string]string{"MOTCUA_BOOTSTRAP_TOKEN": bootSecret})
	status, body := request(t, "GET", base+"/api/v1/audit/verify", bootSecret, nil)
	require.Equal(t, 200, status, "%s", body)
	var v struct {
		OK     bool   `json:"ok"`
		Events int    `json:"events"`
		Head   string `json:"head"`
	}
	require.NoError(t, json.Unmarshal(body, &v))
	require.True(t, v.OK)
	require.Equal(t, 2, v.Events)
	require.Len(t, v.Head, 64)
}

// TestNoSecretsInDatabaseFile reads the raw bytes of the database: neither
// a token nor an applicant's id number may be there in clear (SPEC.md §3,
// §6.2).
func TestNoSecretsInDatabaseFile(t *testing.T) {
	db, tokens := fillDB(t, 3)
	raw, err := os.ReadFile(db)
	require.NoError(t, err)
	require.Contains(t, string(raw), "V-0001", "the file is readable as bytes: the check below can fail")
	for _, secret := range append(tokens, idNumber) {
		require.NotContains(t, string(raw), secret)
	}
	key, err := os.ReadFile(db + ".key")
	require.NoError(t, err, "the secret key lives beside the database, not in it")
	require.NotContains(t, string(raw), string(key))
}
