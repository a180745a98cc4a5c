package brain

import "errors"

// ErrUnknown is New's error for a name that is not one of Names.
var ErrUnknown = errors.New("brain: unknown brain")
