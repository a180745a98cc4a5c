package menu

// ItemKind says how an item answers.
type ItemKind uint8

// Kinds of Item.
const (
	Button ItemKind = iota // Enter or a click does it
	Choice                 // ← → (or a click) steps through values
	Toggle                 // Enter, ← → or a click turns it on or off
	Text                   // typing edits it
	Label                  // says something; cannot be chosen
)

// Item is a line of a menu screen.
type Item struct {
	id    itemID
	Kind  ItemKind
	Label string
	// Value is shown at the right: a choice's value, a toggle's on/off, a
	// text field's text, a binding's keys.
	Value string
	// Note is said beside it: a conflict, why a text is not accepted;
	// Warn when it is a problem.
	Note string
	Warn bool
}

// itemID names an item of a screen.
type itemID uint16

// Items.
const (
	itemNone itemID = iota
	// main
	itemPractice
	itemJoin
	itemWatch
	itemSettings
	itemQuit
	// practice
	itemMap
	itemBots
	itemBrain
	itemStart
	itemBack
	// settings
	itemName
	itemMaster
	itemEffects
	itemMute
	itemWindow
	itemFullscreen
	itemVsync
	itemNetStats
	itemKeys
	// keys: itemKey+game.Key
	itemResetKeys
	// pause
	itemResume
	itemLeave
	// add server, create
	itemAddress
	itemAdd
	itemMatchName
	itemCreateMap
	itemServer
	itemCreate
	itemKey itemID = 1000
)

// selectable reports whether the item can be chosen.
func (it *Item) selectable() bool { return it.Kind != Label }
