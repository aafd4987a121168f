package alertmanager

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
)

// ReceiversFile is the receivers file's name in the configuration folder.
const ReceiversFile = "receivers.yaml"

// Contact is where one receiver's notifications go: a webhook, e-mail
// addresses (comma-separated), or both.
type Contact struct {
	Webhook string `yaml:"webhook,omitempty"`
	Email   string `yaml:"email,omitempty"`
	// BearerTokenFile, when set, holds the token the webhook is called
	// with (Authorization: Bearer), e.g. for motcua's POST /api/v1/alerts.
	BearerTokenFile string `yaml:"bearer_token_file,omitempty"`
}

// Empty reports whether c notifies nobody.
func (c Contact) Empty() bool { return c.Webhook == "" && c.Email == "" }

// SMTP is the mail relay used by e-mail contacts.
type SMTP struct {
	Smarthost  string `yaml:"smarthost"` // host:port
	From       string `yaml:"from"`
	RequireTLS *bool  `yaml:"require_tls,omitempty"`
}

// Timing is the route tree's grouping timers, in Alertmanager's duration
// syntax ("30s", "5m", "4h", "1d").
type Timing struct {
	GroupWait      string `yaml:"group_wait,omitempty"`
	GroupInterval  string `yaml:"group_interval,omitempty"`
	RepeatInterval string `yaml:"repeat_interval,omitempty"`
}

// Default grouping timers (anchors.md §C).
const (
	DefaultGroupWait      = "30s"
	DefaultGroupInterval  = "5m"
	DefaultRepeatInterval = "4h"
)

// Receivers is the receivers file (configs/receivers.yaml): who is told.
type Receivers struct {
	// SMTP is required when any contact has an e-mail address.
	SMTP *SMTP `yaml:"smtp,omitempty"`
	// Timing overrides the default grouping timers.
	Timing Timing `yaml:"timing,omitempty"`
	// Default gets the alerts that name no agency (motcua itself down, the
	// deadline sweep lagging) and any whose agency is unknown. Required.
	Default Contact `yaml:"default"`
	// Watchdog gets the always-firing Watchdog alert; Default when unset.
	Watchdog *Contact `yaml:"watchdog,omitempty"`
	// Wallboard, when set, gets every alert but the Watchdog: motcua's
	// POST /api/v1/alerts, which pushes them to the wallboards.
	Wallboard *Contact `yaml:"wallboard,omitempty"`
	// HeadWebhook is the webhook of every head without an entry in Heads;
	// "{agency}" in it is replaced by the agency id.
	HeadWebhook string `yaml:"head_webhook,omitempty"`
	// Heads are the contacts of agency heads, by agency id.
	Heads map[string]Contact `yaml:"heads,omitempty"`
}

var durationRE = regexp.MustCompile(`^([0-9]+(ms|s|m|h|d|w|y))+$`)

// The receivers used without a receivers file (SPEC.md §10.3:
// alertmanager-config needs none): a notification relay on the
// Alertmanager host, one path for the operators and one per head.
const (
	DefaultWebhook     = "http://127.0.0.1:9095/hooks/ops"
	DefaultHeadWebhook = "http://127.0.0.1:9095/hooks/heads/{agency}"
)

// DefaultReceivers returns what Generate uses when the configuration
// folder has no receivers file: the operators get DefaultWebhook and every
// head DefaultHeadWebhook.
func DefaultReceivers() Receivers {
	return Receivers{Default: Contact{Webhook: DefaultWebhook}, HeadWebhook: DefaultHeadWebhook}
}

// LoadReceivers reads and checks receivers.yaml from fsys. It does not
// check agency ids: CheckTree and Generate do, against the agency tree.
func LoadReceivers(fsys fs.FS) (Receivers, error) {
	b, err := fs.ReadFile(fsys, ReceiversFile)
	if err != nil {
		return Receivers{}, fmt.Errorf("read %s: %w", ReceiversFile, err)
	}
	return ParseReceivers(b)
}

// LoadReceiversOptional is LoadReceivers for a folder where the file is
// optional: without receivers.yaml it returns DefaultReceivers, and found
// false.
func LoadReceiversOptional(fsys fs.FS) (r Receivers, found bool, err error) {
	if _, err := fs.Stat(fsys, ReceiversFile); errors.Is(err, fs.ErrNotExist) {
		return DefaultReceivers(), false, nil
	}
	r, err = LoadReceivers(fsys)
	return r, true, err
}

// ParseReceivers decodes and checks the content of a receivers file.
// Unknown keys are errors.
func ParseReceivers(b []byte) (Receivers, error) {
	var r Receivers
	if err := yaml.NewDecoder(bytes.NewReader(b), yaml.DisallowUnknownField()).Decode(&r); err != nil {
		return Receivers{}, fmt.Errorf("%s: %s", ReceiversFile, yaml.FormatError(err, false, true))
	}
	if err := r.Validate(); err != nil {
		return Receivers{}, err
	}
	return r, nil
}

// Validate reports every problem of r, one per line, or nil.
func (r Receivers) Validate() error {
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	emails := false
	check := func(where string, c Contact) {
		if c.Webhook != "" {
			u, err := url.Parse(c.Webhook)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				add("%s.webhook: %q is not an http(s) URL", where, c.Webhook)
			}
		}
		if c.Email != "" {
			emails = true
			for _, a := range strings.Split(c.Email, ",") {
				if !strings.Contains(strings.TrimSpace(a), "@") {
					add("%s.email: %q is not an address", where, strings.TrimSpace(a))
				}
			}
		}
		if c.BearerTokenFile != "" && c.Webhook == "" {
			add("%s.bearer_token_file: needs a webhook", where)
		}
	}
	if r.Default.Empty() {
		add("default: needs a webhook or an email")
	}
	check("default", r.Default)
	if r.Watchdog != nil {
		if r.Watchdog.Empty() {
			add("watchdog: needs a webhook or an email")
		}
		check("watchdog", *r.Watchdog)
	}
	if r.Wallboard != nil {
		if r.Wallboard.Webhook == "" {
			add("wallboard: needs a webhook (motcua's /api/v1/alerts)")
		}
		check("wallboard", *r.Wallboard)
	}
	if r.HeadWebhook != "" {
		check("head_webhook", Contact{Webhook: strings.ReplaceAll(r.HeadWebhook, "{agency}", "x")})
	}
	ids := make([]string, 0, len(r.Heads))
	for id := range r.Heads {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		c := r.Heads[id]
		if c.Empty() {
			add("heads.%s: needs a webhook or an email", id)
		}
		check("heads."+id, c)
	}
	if emails && (r.SMTP == nil || r.SMTP.Smarthost == "" || r.SMTP.From == "") {
		add("smtp: smarthost and from are required when a contact has an email")
	}
	for _, d := range []struct{ name, v string }{{"group_wait", r.Timing.GroupWait},
		{"group_interval", r.Timing.GroupInterval}, {"repeat_interval", r.Timing.RepeatInterval}} {
		if d.v != "" && !durationRE.MatchString(d.v) {
			add("timing.%s: %q is not a duration like 30s or 4h", d.name, d.v)
		}
	}
	if len(probs) > 0 {
		return errors.New(ReceiversFile + ": " + strings.Join(probs, "\n"+ReceiversFile+": "))
	}
	return nil
}
