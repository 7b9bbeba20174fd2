"""The session's runs as a list (StudioState.runs): rename, delete, save and open them, and what they
hold in memory against the list's byte budget.

A name is edited in place (double-click, F2 or Rename); a name that is empty or taken is refused
with a message and the list stays as it was. Delete (the button or the Delete key) removes the
selected run and selects its neighbour. Saving and opening files are the window's (File -> Save
run… and Open run…): the buttons ask for them with `saveRequested` and `openRequested`.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..widgets.fields import tool_button
from ..widgets.flow_layout import FlowLayout
from ..widgets.labels import heading_label, note_label
from ..widgets.panel_base import StatePanel

COLUMNS = ("Run", "Ep.", "Test", "Time")
COLUMN_TIPS = ("The run's name: double-click it (or press F2) to rename it.", "Epochs trained.",
               "Test accuracy at the run's last evaluation.", "Training time (wall clock).")
NAME_ROLE = Qt.ItemDataRole.UserRole


def size_text(n_bytes: int) -> str:
    """"41 MB", "3.2 MB" (a decimal below ten), "25 kB" (below one)."""
    megabytes = n_bytes / 2**20
    if megabytes < 1:
        return f"{n_bytes / 2**10:.0f} kB"
    return f"{megabytes:.1f} MB" if megabytes < 10 else f"{megabytes:.0f} MB"


def memory_text(runs) -> str:
    """"3 runs, 41 MB of 256 MB": what a RunsList holds against its budget."""
    n = len(runs)
    return f"{n} run{'' if n == 1 else 's'}, {size_text(runs.nbytes())} of {size_text(runs.max_bytes)}"


def duration_text(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def accuracy_text(accuracy: float | None) -> str:
    return "\u2013" if accuracy is None else f"{100 * accuracy:.2f} %"


class RunsPanel(StatePanel):
    saveRequested = Signal(str)
    """The name of the run the user asked to save to a file."""
    openRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runsPanel")
        self._shown_trim: tuple = ()
        self._wanted: str | None = None  # a run to select once the list shows it
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("runsList")
        self.table.setToolTip("The runs of this session: every training run is kept when it ends, and File "
                              "\u2192 Open run\u2026 adds saved ones. Double-click or F2 renames, Delete removes.")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        for column, tip in enumerate(COLUMN_TIPS):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.setMinimumHeight(110)
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.itemSelectionChanged.connect(self._enable_buttons)
        self.table.installEventFilter(self)  # the Delete key

        self.rename_button = tool_button("Rename", "runsRenameButton", "Rename the selected run (F2).")
        self.delete_button = tool_button("Delete", "runsDeleteButton",
                                         "Remove the selected run from the list (Delete). A run saved to a file "
                                         "can be opened again.")
        self.save_button = tool_button("Save\u2026", "runsSaveButton",
                                       "Save the selected run to a file (File \u2192 Save run\u2026).")
        self.open_button = tool_button("Open\u2026", "runsOpenButton",
                                       "Add a saved run or a model file (File \u2192 Open run\u2026).")
        self.rename_button.clicked.connect(self.edit_selected_name)
        self.delete_button.clicked.connect(self.delete_selected)
        self.save_button.clicked.connect(lambda: self.saveRequested.emit(self.selected_name() or ""))
        self.open_button.clicked.connect(self.openRequested)
        self.memory_label = note_label("0 runs", "runsMemory")
        self.memory_label.setToolTip(
            "Runs are kept in memory up to this budget. When a new run takes the total over it, room is made "
            "oldest first: the timelines of older runs go first (their curves and final weights stay), then "
            "older runs themselves, those saved to a file first.")
        self.message_label = note_label("", "runsMessage")
        self.message_label.hide()

        # In a narrow column the buttons wrap to a second row rather than widen it.
        buttons = QWidget()
        flow = FlowLayout(buttons, spacing=2)
        flow.setContentsMargins(0, 0, 0, 0)
        for made in (self.rename_button, self.delete_button, self.save_button, self.open_button):
            flow.addWidget(made)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading_label("Runs"))
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        layout.addWidget(self.memory_label)
        layout.addWidget(self.message_label)
        self._enable_buttons()

    # -- the StatePanel parts ----------------------------------------------------------------------
    def _connect(self, state) -> None:
        state.runsChanged.connect(self.request_refresh)

    def _current_key(self):
        return (self.state.runs_revision,)

    def _draw(self) -> None:
        self.fill()

    # -- what it shows -----------------------------------------------------------------------------
    def fill(self) -> None:
        """Show the state's runs, keeping the selection on the same run (or, if it went, on the
        run now in its row)."""
        runs = list(self.state.runs)
        selected, row = self._wanted or self.selected_name(), self.table.currentRow()
        self._wanted = None
        self.table.blockSignals(True)
        try:
            self.table.setRowCount(len(runs))
            for index, run in enumerate(runs):
                self._fill_row(index, run)
        finally:
            self.table.blockSignals(False)
        names = [run.name for run in runs]
        if selected in names:
            self.select(selected)
        elif names:
            self.table.selectRow(min(max(row, 0), len(names) - 1))
        self.memory_label.setText(memory_text(self.state.runs))
        trim = self.state.runs.last_trim
        if trim and trim is not self._shown_trim:  # the latest addition made room: say what went
            self._shown_trim = trim
            self.show_message("Made room: " + "; ".join(trim) + ".")
        self._enable_buttons()

    def _fill_row(self, index: int, run) -> None:
        path = self.state.runs.path(run.name)
        where = f"Saved in {path}" if path is not None else "Not saved to a file (File \u2192 Save run\u2026)"
        sizes = "-".join(str(n) for n in run.layer_sizes)
        tip = (f"{run.name}\n{sizes} network, {run.steps:,} steps on {run.dataset_name or 'an unknown dataset'}"
               f"\nCreated {run.created or 'at an unknown time'}\n{where}")
        cells = (run.name, str(run.epochs), accuracy_text(run.test_accuracy), duration_text(run.training_seconds))
        for column, text in enumerate(cells):
            # Items are changed in place, not replaced: a rename refreshes the list from inside the
            # edited item's own change signal.
            item = self.table.item(index, column)
            if item is None:
                item = QTableWidgetItem()
                self.table.setItem(index, column, item)
            item.setText(text)
            item.setData(NAME_ROLE, run.name)
            item.setToolTip(tip)
            flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
            if column == 0:
                flags |= Qt.ItemFlag.ItemIsEditable
            else:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setFlags(flags)

    def selected_name(self) -> str | None:
        items = self.table.selectedItems()
        return items[0].data(NAME_ROLE) if items else None

    def select(self, name: str) -> None:
        """Select the run called `name` (when the list next shows it, if it does not yet)."""
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(NAME_ROLE) == name:
                self.table.selectRow(row)
                return
        self._wanted = name

    def show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))

    # -- what the user does ------------------------------------------------------------------------
    def edit_selected_name(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.editItem(self.table.item(row, 0))

    def rename(self, name: str, new_name: str) -> bool:
        """Rename a run; an impossible name is refused with a message and changes nothing."""
        try:
            self.state.rename_run(name, new_name)
        except (ValueError, KeyError) as e:
            self.show_message(f"Not renamed: {e.args[0] if e.args else e}.")
            self.fill()  # the old name back in its cell
            return False
        self.show_message("")
        self.refresh(force=True)
        self.select(new_name.strip())
        return True

    def delete_selected(self) -> None:
        name = self.selected_name()
        if name is None:
            return
        self.state.delete_run(name)
        self.show_message(f"Deleted the run \u201c{name}\u201d.")
        self.refresh(force=True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        # Delete removes the selected run, except while a name is being edited (the editor has it then).
        if (watched is self.table and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Delete
                and self.table.state() != QAbstractItemView.State.EditingState):
            self.delete_selected()
            return True
        return super().eventFilter(watched, event)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        name = item.data(NAME_ROLE)
        if item.column() == 0 and item.text() != name:
            self.rename(name, item.text())

    def _enable_buttons(self) -> None:
        chosen = self.selected_name() is not None
        for made in (self.rename_button, self.delete_button, self.save_button):
            made.setEnabled(chosen)
