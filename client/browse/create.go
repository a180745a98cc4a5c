package browse

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Create asks server a for a new, empty match (POST /api/matches): named
// id (empty: the server chooses one) on map mapName (empty: the server's
// own). It returns the match as the server made it; join it by its ID at
// once, for a match nobody plays soon ends. Its errors wrap
// ErrUnreachable, ErrRefused (the status and the server's reason: a
// taken id, an unknown map, too many matches from this address) or
// ErrListing (an answer that is not a match).
func Create(ctx context.Context, o Options, a Address, id, mapName string) (Match, error) {
	o = o.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	body, _ := json.Marshal(struct { // two strings: it cannot fail
		ID  string `json:"id,omitempty"`
		Map string `json:"map,omitempty"`
	}{id, mapName})
	url := a.HTTP + "/api/matches"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Match{}, fmt.Errorf("%w: %v", ErrAddress, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := o.Client.Do(req)
	if err != nil {
		return Match{}, fmt.Errorf("%w: %s", ErrUnreachable, reason(err))
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return Match{}, fmt.Errorf("%w: %s: %s", ErrUnreachable, url, reason(err))
	}
	if resp.StatusCode != http.StatusCreated {
		return Match{}, refused(resp, answer)
	}
	var m Match
	if len(answer) > maxAnswer || json.Unmarshal(answer, &m) != nil || !validID(m.ID) {
		return Match{}, fmt.Errorf("%w: %s: the answer is not a match", ErrListing, url)
	}
	return m, nil
}

// maxAnswer bounds the answer to a request about one match or the maps.
const maxAnswer = 1 << 20

// maxMaps bounds the maps of a server that a client offers; maxMapName
// a map's name (the servers' are at most 32 bytes).
const (
	maxMaps    = 1000
	maxMapName = 32
)

// Maps returns the names of the maps server a offers for new matches
// (GET /api/maps), in its order. A name that is not 1 to 32 printable
// characters is left out. Its errors are those of Fetch.
func Maps(ctx context.Context, o Options, a Address) ([]string, error) {
	o = o.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	body, err := get(ctx, o.Client, a.HTTP+"/api/maps")
	if err != nil {
		return nil, err
	}
	names, err := DecodeMaps(body)
	if err != nil {
		return nil, fmt.Errorf("%s/api/maps: %w", a.HTTP, err)
	}
	return names, nil
}

// DecodeMaps reads the body of GET /api/maps: a JSON array of map names.
// An entry that is not a name (not a string, empty, longer than 32 bytes,
// a control character) is left out, and so is any past the first 1,000;
// an answer that is not an array wraps ErrListing.
func DecodeMaps(data []byte) ([]string, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: not a list of map names: %v", ErrListing, err)
	}
	names := []string{}
	for _, r := range raw {
		var n string
		if json.Unmarshal(r, &n) == nil && len(n) <= maxMapName && validID(n) && len(names) < maxMaps {
			names = append(names, n)
		}
	}
	return names, nil
}
