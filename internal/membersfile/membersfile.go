// Package membersfile reads the members of an audience from an export file, the way a data warehouse
// writes one: one user id per line, CSV with a header naming user_id (and optionally tenant), or JSON
// lines with user_id and tenant, each possibly gzipped. It checks every row as knock_audience_members
// checks its members map, and names the line of each problem.
package membersfile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
)

// Formats, chosen by the file name without a .gz suffix: .csv is CSV, .jsonl and .ndjson are JSON lines,
// any other name holds one user id per line.
const (
	FormatLines = "lines"
	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
)

// Bounds on what a file may hold: as many rows as a listing of an audience may (knock's bound), and a
// line far longer than any row of two ids, so that a file that is not an export fails fast.
const (
	MaxRows      = knock.DefaultMaxListEntries
	maxLineBytes = 64 << 10
	// maxProblems is how many bad rows an error names; it counts the rest.
	maxProblems = knockdiag.MaxReportedEntries
)

var gzipMagic = []byte{0x1f, 0x8b}

// File is an export file as read: its members sorted by user id, and the SHA-256 of its bytes as stored
// (compressed or not), which is what Terraform's filesha256 computes.
type File struct {
	Members []changeset.Membership
	SHA256  string
	Format  string
	Gzipped bool
}

// Problem is one bad row.
type Problem struct {
	Line int
	Text string
}

// RowsError lists the bad rows of a file: the first maxProblems, and how many more there are.
type RowsError struct {
	Problems []Problem
	More     int
}

func (e *RowsError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "line %d: %s", p.Line, p.Text)
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "; and %s", knockdiag.Plural(e.More, "more bad row"))
	}
	return b.String()
}

// Parse reads an export from r; name decides the format and whether a gzip suffix is expected.
func Parse(r io.Reader, name string) (File, error) {
	hash := sha256.New()
	buffered := bufio.NewReader(io.TeeReader(r, hash))
	magic, _ := buffered.Peek(len(gzipMagic))
	file := File{Gzipped: bytes.Equal(magic, gzipMagic), Format: FormatOf(name)}
	var content io.Reader = buffered
	switch {
	case file.Gzipped:
		zr, err := gzip.NewReader(buffered)
		if err != nil {
			return File{}, fmt.Errorf("reading it as gzip: %w", err)
		}
		defer zr.Close()
		content = zr
	case strings.HasSuffix(strings.ToLower(name), ".gz"):
		return File{}, errors.New("its name ends in .gz but it is not gzip-compressed (it does not start with gzip's magic bytes); compress it, or rename it without .gz")
	}
	rows, err := parseRows(content, file.Format)
	if err != nil {
		return File{}, err
	}
	// The hash covers every byte, also those after what the parser needed.
	if _, err := io.Copy(io.Discard, buffered); err != nil {
		return File{}, err
	}
	file.SHA256 = hex.EncodeToString(hash.Sum(nil))
	file.Members, err = checkRows(rows)
	return file, err
}

// FormatOf is the format a file name selects.
func FormatOf(name string) string {
	lower := strings.TrimSuffix(strings.ToLower(name), ".gz")
	switch {
	case strings.HasSuffix(lower, ".csv"):
		return FormatCSV
	case strings.HasSuffix(lower, ".jsonl"), strings.HasSuffix(lower, ".ndjson"):
		return FormatJSONL
	}
	return FormatLines
}

// row is one membership as the file declares it.
type row struct {
	changeset.Membership
	line int
}

func parseRows(r io.Reader, format string) ([]row, error) {
	switch format {
	case FormatCSV:
		return parseCSV(r)
	case FormatJSONL:
		return parseJSONL(r)
	}
	return parseLines(r)
}

// lines calls visit with each line and its number, without its line ending; a last line that is empty
// (the file ends with a newline) is no row.
func lines(r io.Reader, visit func(line int, text string) error) error {
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 0, 4096), maxLineBytes)
	n := 0
	for scanner.Scan() {
		n++
		if n > MaxRows+1 {
			return fmt.Errorf("it has more than %s rows, more than an audience listing may hold", knockdiag.Thousands(MaxRows))
		}
		if err := visit(n, strings.TrimSuffix(scanner.Text(), "\r")); err != nil {
			return err
		}
	}
	if errors.Is(scanner.Err(), bufio.ErrTooLong) {
		return fmt.Errorf("line %d is longer than %d KiB; this is not an export of user ids", n+1, maxLineBytes>>10)
	}
	return scanner.Err()
}

func parseLines(r io.Reader) ([]row, error) {
	var rows []row
	err := lines(r, func(line int, text string) error {
		rows = append(rows, row{Membership: changeset.Membership{UserID: text}, line: line})
		return nil
	})
	return rows, err
}

func parseCSV(r io.Reader) ([]row, error) {
	reader := csv.NewReader(r)
	reader.ReuseRecord = true
	header, err := reader.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("line 1: the file is empty; a CSV export starts with a header naming user_id (and optionally tenant)")
	}
	if err != nil {
		return nil, err
	}
	userCol, tenantCol := -1, -1
	for i, name := range header {
		switch column := strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")); {
		case column == "user_id" && userCol < 0:
			userCol = i
		case column == "tenant" && tenantCol < 0:
			tenantCol = i
		case column == "user_id", column == "tenant":
			return nil, fmt.Errorf("line 1: the header names the column %s twice", column)
		default:
			return nil, fmt.Errorf("line 1: the header names the column %q; an export has the columns user_id and, optionally, tenant (drop the others from the export query)", name)
		}
	}
	if userCol < 0 {
		return nil, fmt.Errorf("line 1: the header %q names no user_id column; the first line of a CSV export names its columns: user_id and, optionally, tenant", strings.Join(header, ","))
	}
	var rows []row
	for {
		record, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, err // csv.ParseError names the line
		}
		if len(rows) >= MaxRows {
			return nil, fmt.Errorf("it has more than %s rows, more than an audience listing may hold", knockdiag.Thousands(MaxRows))
		}
		line, _ := reader.FieldPos(userCol)
		m := changeset.Membership{UserID: record[userCol]}
		if tenantCol >= 0 {
			m.Tenant = record[tenantCol]
		}
		rows = append(rows, row{Membership: m, line: line})
	}
}

func parseJSONL(r io.Reader) ([]row, error) {
	var rows []row
	err := lines(r, func(line int, text string) error {
		m, problem := jsonRow(text)
		if problem != "" {
			return fmt.Errorf("line %d: %s; each line is a JSON object with user_id and, optionally, tenant, such as {\"user_id\": \"u1\", \"tenant\": \"acme\"}", line, problem)
		}
		rows = append(rows, row{Membership: m, line: line})
		return nil
	})
	return rows, err
}

// jsonRow reads one JSON line; its keys are matched exactly, as Knock's are.
func jsonRow(text string) (changeset.Membership, string) {
	var fields map[string]json.RawMessage
	decoder := json.NewDecoder(strings.NewReader(text))
	if err := decoder.Decode(&fields); err != nil {
		return changeset.Membership{}, jsonProblem(err)
	}
	if decoder.More() {
		return changeset.Membership{}, "more than one JSON value"
	}
	var m changeset.Membership
	var userID, tenant *string
	for key, raw := range fields {
		var target **string
		switch key {
		case "user_id":
			target = &userID
		case "tenant":
			target = &tenant
		default:
			return m, fmt.Sprintf("the key %q is not user_id or tenant", key)
		}
		if err := json.Unmarshal(raw, target); err != nil {
			return m, fmt.Sprintf("%s is not a string", key)
		}
	}
	if userID == nil {
		return m, "the object has no user_id"
	}
	m.UserID = *userID
	if tenant != nil {
		m.Tenant = *tenant
	}
	return m, ""
}

func jsonProblem(err error) string {
	if errors.Is(err, io.EOF) {
		return "the line is empty"
	}
	return err.Error()
}

// checkRows checks each row's user id and tenant as members are checked, and that each user appears once
// (as in the members map: a user under several tenants needs one resource per tenant). It returns the
// members sorted by user id.
func checkRows(rows []row) ([]changeset.Membership, error) {
	var problems []Problem
	report := func(line int, text string) { problems = append(problems, Problem{Line: line, Text: text}) }
	for _, r := range rows {
		switch {
		case r.UserID == "":
			report(r.line, "the user id is empty")
		case knockdiag.IDProblem(r.UserID) != "":
			report(r.line, fmt.Sprintf("the user id %q %s", r.UserID, knockdiag.IDProblem(r.UserID)))
		case r.Tenant != "" && knockdiag.IDProblem(r.Tenant) != "":
			report(r.line, fmt.Sprintf("the tenant %q %s", r.Tenant, knockdiag.IDProblem(r.Tenant)))
		}
	}
	byUser := func(a, b row) int { return strings.Compare(a.UserID, b.UserID) }
	if !slices.IsSortedFunc(rows, byUser) { // exports are often sorted already
		slices.SortStableFunc(rows, byUser)
	}
	first := 0
	for i := 1; i < len(rows); i++ {
		if rows[i].UserID != rows[first].UserID {
			first = i
			continue
		}
		if first, again := rows[first], rows[i]; again.UserID != "" {
			what := "again"
			if first.Tenant != again.Tenant {
				what = fmt.Sprintf("with another tenant (%q, then %q); a resource declares each user once: declare each tenant's memberships in a resource with tenant set", first.Tenant, again.Tenant)
			}
			report(again.line, fmt.Sprintf("the user %q appears %s (first on line %d)", again.UserID, what, first.line))
		}
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b Problem) int { return a.Line - b.Line })
		shown := min(len(problems), maxProblems)
		return nil, &RowsError{Problems: problems[:shown], More: len(problems) - shown}
	}
	members := make([]changeset.Membership, len(rows))
	for i, r := range rows {
		members[i] = r.Membership
	}
	return members, nil
}
