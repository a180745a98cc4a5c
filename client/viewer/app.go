package viewer

import (
	"errors"
	"math"

	"github.com/skirmishgg/skirmish/replay"
)

// AppOptions configure an App: a Model to show, or the error that kept a
// recording from opening, or a directory of replays to choose from.
type AppOptions struct {
	Model *Model
	// Err is why the recording Name could not be opened.
	Err  error
	Name string
	// Dir and Entries are the replays to choose from (ListReplays), and
	// ListErr why Dir could not be listed.
	Dir     string
	Entries []Entry
	ListErr error
	// Options configure the Model of a replay chosen from the list.
	Options Options
}

// App is what `skirmish watch` shows: a recording, the list of replays to
// choose one from, or why a recording cannot be shown. Esc goes back from
// a recording to the list it was chosen from, else it quits. It is not safe
// for concurrent use.
type App struct {
	o      AppOptions
	screen Screen
	model  *Model
	fatal  error
	sel    int
	first  int // the first entry shown
	quit   bool
	frame  Frame
	lay    Layout
	// open opens a chosen replay; tests replace it.
	open func(path string) (*replay.Reader, error)
}

// NewApp returns the app showing what o says.
func NewApp(o AppOptions) *App {
	a := &App{o: o, open: replay.Open}
	switch {
	case o.Model != nil:
		a.screen, a.model = ScreenWatch, o.Model
	case o.Err != nil:
		a.screen, a.fatal = ScreenError, o.Err
	default:
		a.screen = ScreenList
	}
	return a
}

// Model returns the model on screen, or nil.
func (a *App) Model() *Model {
	if a.screen != ScreenWatch {
		return nil
	}
	return a.model
}

// Screen returns what is on screen.
func (a *App) Screen() Screen { return a.screen }

// Quit reports whether the viewer should close.
func (a *App) Quit() bool { return a.quit }

// Close closes the model shown, if any.
func (a *App) Close() error {
	if a.model != nil {
		err := a.model.Close()
		a.model = nil
		return err
	}
	return nil
}

// Update advances the app by one frame of input.
func (a *App) Update(in Input) {
	if in.Actions.Has(ActQuit) {
		a.quit = true
		return
	}
	a.lay = NewLayout(in.W, in.H, 0)
	switch a.screen {
	case ScreenWatch:
		if in.Actions.Has(ActBack) {
			a.back()
			return
		}
		a.model.Update(in)
	case ScreenError:
		if in.Actions.Has(ActBack) || in.Actions.Has(ActOpen) {
			a.back()
		}
	case ScreenList:
		a.updateList(in)
	}
}

// back leaves a recording or an error: to the list if there is one.
func (a *App) back() {
	if a.o.Dir == "" {
		a.quit = true
		return
	}
	a.Close()
	a.screen, a.fatal = ScreenList, nil
}

func (a *App) updateList(in Input) {
	rows := a.listRows()
	n := len(a.o.Entries)
	switch {
	case in.Actions.Has(ActBack):
		a.quit = true
		return
	case in.Actions.Has(ActUp):
		a.sel = max(0, a.sel-1)
	case in.Actions.Has(ActDown):
		a.sel = min(n-1, a.sel+1)
	case in.Actions.Has(ActOpen) && n > 0:
		a.choose(a.sel)
		return
	case in.MousePressed:
		if i, ok := a.entryAt(in.MouseX, in.MouseY); ok {
			if i == a.sel {
				a.choose(i)
				return
			}
			a.sel = i
		}
	}
	if in.Wheel != 0 && n > 0 {
		a.sel = max(0, min(n-1, a.sel-int(math.Round(in.Wheel))))
	}
	if a.sel < a.first {
		a.first = a.sel
	} else if a.sel >= a.first+rows {
		a.first = a.sel - rows + 1
	}
	a.first = max(0, min(a.first, n-rows))
}

// ListRows returns the geometry of the list of replays on a screen laid
// out as l: the y of its first row, the height of a row, and how many rows
// fit, between x0 and x1.
func ListRows(l *Layout) (top, row float64, rows int, x0, x1 float64) {
	s := l.Scale
	top, row = 110*s, 46*s
	return top, row, max(1, int((l.H-top-40*s)/row)), 40 * s, l.W - 40*s
}

func (a *App) listRows() int {
	_, _, rows, _, _ := ListRows(&a.lay)
	return rows
}

// entryAt returns the entry at screen point (x, y).
func (a *App) entryAt(x, y float64) (int, bool) {
	top, row, rows, x0, x1 := ListRows(&a.lay)
	r := int((y - top) / row)
	if y < top || r >= rows || x < x0 || x > x1 {
		return 0, false
	}
	i := a.first + r
	return i, i < len(a.o.Entries)
}

// choose opens entry i.
func (a *App) choose(i int) {
	e := a.o.Entries[i]
	a.sel = i
	if e.Err != nil {
		a.screen, a.fatal = ScreenError, e.Err
		a.o.Name = e.Path
		return
	}
	r, err := a.open(e.Path)
	if err == nil {
		o := a.o.Options
		o.Name = e.Path
		a.model, err = NewModel(r, o)
		if err != nil {
			r.Close()
		}
	}
	if err != nil {
		if a.o.Options.OnError != nil {
			a.o.Options.OnError(err)
		}
		a.screen, a.fatal, a.o.Name = ScreenError, err, e.Path
		return
	}
	a.screen = ScreenWatch
}

// View returns what to draw now.
func (a *App) View() *Frame {
	switch a.screen {
	case ScreenWatch:
		return a.model.View()
	case ScreenError:
		f := &a.frame
		*f = Frame{Screen: ScreenError, Layout: a.lay, Source: a.o.Name, Fatal: describe(a.fatal)}
		return f
	}
	f := &a.frame
	*f = Frame{Screen: ScreenList, Layout: a.lay, Entries: a.o.Entries, Selected: a.sel, ListFirst: a.first, Dir: a.o.Dir}
	if a.o.ListErr != nil {
		f.ListErr = a.o.ListErr.Error()
	}
	return f
}

// describe says what an error opening a recording means, then the error.
func describe(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, replay.ErrVersion):
		return "This replay was recorded by another version of Skirmish and cannot be played by this one.\n" + err.Error()
	case errors.Is(err, replay.ErrCorrupt):
		return "This file is damaged: it is not a replay this version can read.\n" + err.Error()
	case errors.Is(err, replay.ErrTruncated):
		return "This file is cut short before its first complete second of play.\n" + err.Error()
	}
	return err.Error()
}
