package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"sort"
	"time"

	gojson "github.com/goccy/go-json"
	bolt "go.etcd.io/bbolt"
)

// Job is work the scheduler runs when the tenant's clock passes At.
type Job struct {
	ID       string          `json:"id"`
	Provider string          `json:"provider"`
	Tenant   string          `json:"tenant"`
	Kind     string          `json:"kind"`
	At       time.Time       `json:"at"`
	Payload  json.RawMessage `json:"payload,omitempty"`
	Attempts int             `json:"attempts,omitempty"`
}

// Jobs live twice: sys/jobs/<id> = Job finds a job by id (a job with the
// same id replaces it), and sys/jobs_due/<tenant>\x00<at><id> = Job orders
// each tenant's jobs by due time, so the scheduler reads only the jobs that
// are due (a seek per tenant) instead of decoding every job on every tick.
// Both carry the tenant field, so a tenant reset drops both.
const (
	// JobsBucket is the system bucket that holds scheduled jobs by id.
	JobsBucket = "jobs"
	dueBucket  = "jobs_due"
)

// dueKey orders a tenant's jobs by time, then id. Tenants are separated by
// a 0 byte (a tenant name never holds one: they come from credentials).
func dueKey(j Job) []byte {
	k := make([]byte, 0, len(j.Tenant)+1+12+len(j.ID))
	k = append(k, j.Tenant...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint64(k, uint64(j.At.Unix())^(1<<63)) // sign flip: earlier sorts first
	k = binary.BigEndian.AppendUint32(k, uint32(j.At.Nanosecond()))
	return append(k, j.ID...)
}

// Schedule stores j to run when due. A job with the same ID replaces it; an
// empty ID gets a fresh one. Provider and Tenant default to the transaction's.
func (tx *Tx) Schedule(j Job) error {
	if j.Provider == "" {
		j.Provider = tx.provider
	}
	if j.Tenant == "" {
		j.Tenant = tx.tenant
	}
	if j.Kind == "" || j.At.IsZero() {
		return errors.New("store: job needs a kind and a time")
	}
	byID, err := tx.Sys(JobsBucket).bucket(true)
	if err != nil {
		return err
	}
	if j.ID == "" {
		n, err := byID.NextSequence()
		if err != nil {
			return err
		}
		j.ID = "job_" + pad12(n)
	} else {
		j.ID = j.Tenant + "/" + j.ID
	}
	return putJob(tx, byID, j)
}

func pad12(n uint64) string {
	b := []byte("000000000000")
	for i := len(b) - 1; i >= 0 && n > 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}

// PutJob stores j under its full id (as Job.ID reads back), replacing the job
// stored there: the scheduler uses it to move a job it ran.
func (tx *Tx) PutJob(j Job) error {
	byID, err := tx.Sys(JobsBucket).bucket(true)
	if err != nil {
		return err
	}
	return putJob(tx, byID, j)
}

func putJob(tx *Tx, byID *bolt.Bucket, j Job) error {
	due, err := tx.Sys(dueBucket).bucket(true)
	if err != nil {
		return err
	}
	if old := byID.Get([]byte(j.ID)); old != nil {
		var o Job
		if gojson.Unmarshal(old, &o) == nil {
			if err := sysDelete(tx.btx, due, dueBucket, dueKey(o)); err != nil {
				return err
			}
		}
	}
	raw, err := gojson.Marshal(j)
	if err != nil {
		return err
	}
	if err := sysPut(tx.btx, byID, JobsBucket, []byte(j.ID), raw); err != nil {
		return err
	}
	return sysPut(tx.btx, due, dueBucket, dueKey(j), raw)
}

// GetJob reads the job stored under its full id.
func (tx *Tx) GetJob(id string, j *Job) error {
	return tx.Sys(JobsBucket).Get(id, j)
}

// JobUnchanged reads the job stored under j.ID and tells whether it is still
// j: neither removed nor replaced (due time and attempts the same) since j
// was read.
func (tx *Tx) JobUnchanged(j Job) (cur Job, ok bool) {
	if tx.GetJob(j.ID, &cur) != nil || !cur.At.Equal(j.At) || cur.Attempts != j.Attempts {
		return cur, false
	}
	return cur, true
}

// DeleteJob removes the job stored under its full id (no error if absent).
func (tx *Tx) DeleteJob(id string) error {
	byID, _ := tx.Sys(JobsBucket).bucket(false)
	if byID == nil {
		return nil
	}
	old := byID.Get([]byte(id))
	if old == nil {
		return nil
	}
	var o Job
	if gojson.Unmarshal(old, &o) == nil {
		if due, _ := tx.Sys(dueBucket).bucket(false); due != nil {
			if err := sysDelete(tx.btx, due, dueBucket, dueKey(o)); err != nil {
				return err
			}
		}
	}
	return sysDelete(tx.btx, byID, JobsBucket, []byte(id))
}

// DueJobs returns up to limit jobs whose tenant's clock (now) has passed
// them, earliest first. It costs a seek per tenant with jobs plus the jobs
// it returns, however many jobs wait for later.
func (tx *Tx) DueJobs(now func(tenant string) time.Time, limit int) ([]Job, error) {
	due, _ := tx.Sys(dueBucket).bucket(false)
	if due == nil {
		return nil, nil
	}
	var out []Job
	c := due.Cursor()
	k, v := c.First()
	for k != nil {
		sep := bytes.IndexByte(k, 0)
		if sep < 0 {
			k, v = c.Next() // not ours
			continue
		}
		prefix := append([]byte(nil), k[:sep+1]...)
		t := now(string(k[:sep]))
		n := 0
		for ; k != nil && bytes.HasPrefix(k, prefix) && n < limit; k, v = c.Next() {
			if len(k) < sep+13 {
				continue
			}
			if atFromKey(k[sep+1:]).After(t) {
				break
			}
			var j Job
			if err := gojson.Unmarshal(v, &j); err != nil {
				continue
			}
			out = append(out, j)
			n++
		}
		// On to the next tenant: every key after this tenant's prefix.
		prefix[len(prefix)-1] = 1
		k, v = c.Seek(prefix)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].At.Before(out[b].At) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func atFromKey(b []byte) time.Time {
	sec := int64(binary.BigEndian.Uint64(b[:8]) ^ (1 << 63))
	return time.Unix(sec, int64(binary.BigEndian.Uint32(b[8:12])))
}

// indexJobs builds the due index of a data file written before it existed.
func indexJobs(btx *bolt.Tx) error {
	sys := btx.Bucket(bSys)
	byID := sys.Bucket([]byte(JobsBucket))
	if byID == nil || sys.Bucket([]byte(dueBucket)) != nil {
		return nil
	}
	due, err := sys.CreateBucket([]byte(dueBucket))
	if err != nil {
		return err
	}
	return byID.ForEach(func(_, v []byte) error {
		var j Job
		if v == nil || gojson.Unmarshal(v, &j) != nil {
			return nil
		}
		return due.Put(dueKey(j), v)
	})
}
