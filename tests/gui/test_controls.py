"""The training controls: the distortion settings reach the configuration and change while training."""
from PySide6.QtWidgets import QCheckBox
from qt_support import child

from engine.config import PRESETS
from gui.panels import training_fields as fields
from gui.panels.training_fields import AUGMENT_AFFINE, AUGMENT_ELASTIC_PX, AUGMENT_THICKNESS

WAIT_MS = 20_000
SMALL = (2000, 300)


def test_distortion_checks_set_the_config_and_change_a_running_run(qtbot, window):
    checks = {name: child(window, f"augment{name}Check", QCheckBox) for name in ("Affine", "Elastic", "Thickness")}
    for check in checks.values():
        assert check.toolTip()
        check.setChecked(True)
    window.controls.hidden_edit.setText("16")
    child(window, "epochsSpin").setValue(50)
    config = window.controls.config()
    assert (config.augment_affine, config.augment_elastic, config.augment_thickness) == \
        (AUGMENT_AFFINE, AUGMENT_ELASTIC_PX, AUGMENT_THICKNESS)
    assert window.start_training()
    qtbot.waitUntil(lambda: window.session.trainer is not None and window.session.trainer.step > 3, timeout=WAIT_MS)
    assert all(check.isEnabled() for check in checks.values()), "distortions may change while training"
    checks["Elastic"].setChecked(False)
    assert window.session.trainer.config.augment_elastic == 0.0
    assert window.session.trainer.config.augment_affine == AUGMENT_AFFINE
    window.session.stop()
    qtbot.waitUntil(lambda: window.session.state == "stopped", timeout=WAIT_MS)


def test_the_controls_offer_best_with_the_augmentation_their_check_boxes_give():
    """Choosing `best` in the controls trains exactly the preset: its augmentations are the
    amounts the check boxes stand for."""
    assert "best" in fields.PRESET_ORDER
    config = PRESETS["best"]
    assert config.augment_shift == fields.AUGMENT_SHIFT_PX
    assert config.augment_rotate == fields.AUGMENT_ROTATE_DEG
    assert config.augment_affine == fields.AUGMENT_AFFINE
    assert config.augment_elastic == fields.AUGMENT_ELASTIC_PX
    assert config.augment_thickness == fields.AUGMENT_THICKNESS
