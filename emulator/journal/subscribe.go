package journal

// Reading the journal as a feed (the dashboard's live table): a reader keeps
// the last id it saw and asks for what came after.

// Last is the id of the newest entry (0 when none was ever added).
func (j *Journal) Last() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq
}

// Since returns the entries added after id that keep says to keep, oldest
// first, masked as in List, at most limit of them (the newest ones).
func (j *Journal) Since(id uint64, limit int, keep func(Entry) bool) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Entry
	j.newestFirst(func(e Entry) bool {
		if len(out) >= limit || e.ID <= id {
			return false
		}
		if keep == nil || keep(e) {
			out = append(out, masked(e))
		}
		return true
	})
	for l, r := 0, len(out)-1; l < r; l, r = l+1, r-1 {
		out[l], out[r] = out[r], out[l]
	}
	return out
}

// Get returns the entry with id, masked, if the journal still holds it.
func (j *Journal) Get(id uint64) (Entry, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range j.entries {
		if e.ID == id && id != 0 {
			return masked(e), true
		}
	}
	return Entry{}, false
}
