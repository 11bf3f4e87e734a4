"""The exceptions the command line turns into messages (errors.py): an option error names the key to Python
and any name the caller gives it; an unknown name sorts the valid ones unless their order means something."""
import signal

from iqa_bench.errors import Interrupted, OptionError, UnknownNameError


def test_an_option_error_names_the_key_or_the_flag():
    error = OptionError("batch_size", "{option} must be at least 1, got 0")
    assert str(error) == "batch_size must be at least 1, got 0" and error.key == "batch_size"
    assert error.naming("--batch-size") == "--batch-size must be at least 1, got 0"
    assert isinstance(error, ValueError)


def test_unknown_names_are_sorted_unless_in_order():
    assert UnknownNameError("layer", "x", ["relu3", "relu1"]).valid == ["relu1", "relu3"]
    in_order = UnknownNameError("layer", "x", ["relu3", "relu1"], plural="layers of vgg16", in_order=True)
    assert str(in_order) == "unknown layer 'x'; valid layers of vgg16: relu3, relu1"


def test_an_interruption_is_no_exception_a_library_catches():
    interrupted = Interrupted(signal.SIGTERM)
    assert str(interrupted) == "SIGTERM" and interrupted.signum == signal.SIGTERM
    assert not isinstance(interrupted, Exception) and not isinstance(interrupted, KeyboardInterrupt)
