"""Small builders for the controls of the studio's forms: each gives a widget its object name
(what tests and style sheets find it by) and its tooltip in one call, and `set_quietly` changes a
control's value without announcing it."""
from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

W = TypeVar("W", bound=QWidget)


def named(widget: W, object_name: str, tooltip: str = "") -> W:
    """`widget` with its object name and (unless empty) its tooltip set."""
    widget.setObjectName(object_name)
    if tooltip:
        widget.setToolTip(tooltip)
    return widget


def button(text: str, object_name: str, tooltip: str) -> QPushButton:
    return named(QPushButton(text), object_name, tooltip)


def tool_button(text: str, object_name: str, tooltip: str, checked: bool | None = None) -> QToolButton:
    """A tool button; checkable (and set to `checked`) unless `checked` is None."""
    tool = QToolButton()
    tool.setObjectName(object_name)
    tool.setText(text)
    if checked is not None:
        tool.setCheckable(True)
        tool.setChecked(checked)
    tool.setToolTip(tooltip)
    return tool


def check_box(text: str, object_name: str, tooltip: str) -> QCheckBox:
    return named(QCheckBox(text), object_name, tooltip)


def combo(object_name: str, items: Iterable[tuple[str, object]], tooltip: str = "") -> QComboBox:
    """A combo box of (text, data) items."""
    box = QComboBox()
    box.setObjectName(object_name)
    for text, key in items:
        box.addItem(text, key)
    if tooltip:
        box.setToolTip(tooltip)
    return box


def select(box: QComboBox, key) -> None:
    """Choose the item whose data is `key`; ValueError if there is none."""
    index = box.findData(key)
    if index < 0:
        raise ValueError(f"{box.objectName()} has no option {key!r}")
    box.setCurrentIndex(index)


def double_spin(object_name: str, value_range: tuple[float, float], decimals: int = 2, step: float = 0.1, *,
                adaptive: bool = False, prefix: str = "", suffix: str = "", value: float | None = None,
                tooltip: str = "") -> QDoubleSpinBox:
    """A QDoubleSpinBox over `value_range` with `decimals` and single `step` (`adaptive`: steps of
    the shown decimal that changes)."""
    spin = QDoubleSpinBox()
    spin.setObjectName(object_name)
    spin.setRange(*value_range)
    spin.setDecimals(decimals)
    spin.setSingleStep(step)
    if adaptive:
        spin.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
    if prefix:
        spin.setPrefix(prefix)
    if suffix:
        spin.setSuffix(suffix)
    if value is not None:
        spin.setValue(value)
    if tooltip:
        spin.setToolTip(tooltip)
    return spin


def int_spin(object_name: str, value_range: tuple[int, int], tooltip: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(object_name)
    spin.setRange(*value_range)
    if tooltip:
        spin.setToolTip(tooltip)
    return spin


def set_quietly(widget: QWidget, value, value_range: tuple | None = None) -> None:
    """Set a control's value (and range) without emitting its change signals."""
    blocked = widget.blockSignals(True)
    try:
        if value_range is not None:
            widget.setRange(*value_range)
        if isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        else:
            widget.setValue(value)
    finally:
        widget.blockSignals(blocked)
