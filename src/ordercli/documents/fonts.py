"""The fonts every document is printed with: Noto Sans (Latin, Greek, Cyrillic) from the
`fontpkg-noto-sans` package, plus an optional fallback font the seller chooses.

The package ships Noto Sans only as a variable font. fontTools' instancer makes a static
regular and a static bold from it, once (under a second each), kept as TTF files in the user
cache directory, keyed by the versions that shape them, so no document and no process pays
for it again. A static font is also what makes documents cheap: fpdf2 parses and subsets the
font of every document, and the variable font's variation tables made that about 70% slower
and each PDF twice as large.
"""

from __future__ import annotations

import getpass
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path

from ordercli.domain.errors import DeviceUnavailable, InvalidData

FAMILY = "Noto Sans"
_PACKAGE = "fontpkg_noto_sans"
_DISTRIBUTION = "fontpkg-noto-sans"
_VARIABLE_FILE = "NotoSans[wdth,wght].ttf"
BOLD_AXES = {"wght": 700.0, "wdth": 100.0}
REGULAR_AXES = {"wght": 400.0, "wdth": 100.0}
_WEIGHTS = {"Regular": REGULAR_AXES, "Bold": BOLD_AXES}
# Bumped when the way the static fonts are made changes, so an older cached file is not reused.
_RECIPE = 1
# fpdf2 drops these tables when it embeds a font (it does no text shaping unless asked to),
# so keeping them in the bold changes nothing on paper. Instancing them is most of the
# instancer's time: about 3.9 s with them against 0.8 s without on a 2-core machine.
_LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF")
_TRUETYPE_MAGIC = (b"\x00\x01\x00\x00", b"true")
_LAYOUT_CHARACTERS = frozenset("\n\r\t")
_SHOWN_MISSING = 12


def variable_path() -> Path:
    """The variable Noto Sans file shipped by the font package."""
    try:
        path = Path(str(resources.files(_PACKAGE).joinpath("files", _VARIABLE_FILE)))
    except ModuleNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise DeviceUnavailable(f"the font {FAMILY} is not installed: reinstall ordercli or install the "
                                f"package {_DISTRIBUTION}")
    return path


def cache_dir() -> Path:
    """Where ordercli keeps files it can make again: ORDERCLI_CACHE_DIR, or the user cache directory."""
    configured = os.environ.get("ORDERCLI_CACHE_DIR")
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_cache_dir("ordercli"))


def static_file_name(weight: str = "Bold") -> str:
    """A cached static font's file name: it changes with everything that shapes the file."""
    import fontTools

    return (f"NotoSans-{weight}-{metadata.version(_DISTRIBUTION)}-fonttools-{fontTools.version}"
            f"-r{_RECIPE}.ttf")


def bold_file_name() -> str:
    return static_file_name("Bold")


def static_path(weight: str) -> Path:
    """The static Noto Sans of a weight ("Regular", "Bold"), made once and cached; later calls
    only look it up."""
    name = static_file_name(weight)
    cached = cache_dir() / "fonts" / name
    if _is_font_file(cached):
        return cached
    spare = _spare_dir(create=False)
    if spare is not None and _is_font_file(spare / name):
        return spare / name
    font = instance_static(_WEIGHTS[weight])
    try:
        return _save_atomically(font, cached.parent, name)
    except OSError:
        pass  # a cache directory we may not write: a private temporary folder instead
    try:
        return _save_atomically(font, _spare_dir(create=True), name)
    except OSError:
        return _save_atomically(font, Path(tempfile.mkdtemp(prefix="ordercli-fonts-")), name)


def regular_path() -> Path:
    """The static Noto Sans Regular (made once, cached)."""
    return static_path("Regular")


def bold_path() -> Path:
    """The static Noto Sans Bold (made once, cached)."""
    return static_path("Bold")


def warm_fonts() -> Path:
    """Make sure the static fonts are cached (the one slow step of a first document); returns the bold's path."""
    regular_path()
    return bold_path()


def check_fallback_font(path: Path | str) -> Path:
    """A fallback font file that can be read and has a Unicode character map, as an absolute path."""
    from fontTools import ttLib

    font_path = Path(path).expanduser()
    try:
        with ttLib.TTFont(font_path, lazy=True) as font:
            if not font.getBestCmap():
                raise InvalidData(f"the fallback font {font_path} has no Unicode character map")
            name = font["name"].getBestFullName()
    except InvalidData:
        raise
    except Exception as error:  # fontTools on a file that is not a font fails in many ways; all mean "not a font"
        raise InvalidData(f"the fallback font {font_path} cannot be read as a TTF or OTF font: {error}") from None
    if not name:
        raise InvalidData(f"the fallback font {font_path} has no name table")
    return font_path.resolve()


@dataclass(frozen=True)
class Coverage:
    """The characters the fonts of a document can draw: Noto Sans (regular and bold alike)
    and the fallback font, if one is set."""

    names: tuple[str, ...]
    codepoints: frozenset[int]

    def missing(self, texts: Iterable[str]) -> list[str]:
        """The characters of `texts` no font has a glyph for, in the order they first appear
        (line breaks and tabs are layout, not glyphs)."""
        texts = list(texts)
        wanted: set[str] = set()
        for text in texts:
            wanted.update(text)
        missing = {ch for ch in wanted - _LAYOUT_CHARACTERS if ord(ch) not in self.codepoints}
        if not missing:
            return []
        return list(dict.fromkeys(ch for text in texts for ch in text if ch in missing))

    def refusal(self, missing: Sequence[str], what: str | None = None) -> str:
        """The message that names the missing characters and says how to print them."""
        listed = ", ".join(repr(ch) for ch in missing[:_SHOWN_MISSING])
        if len(missing) > _SHOWN_MISSING:
            listed += f" and {len(missing) - _SHOWN_MISSING} more"
        where = f" ({what})" if what else ""
        if len(self.names) == 1:
            return (f"cannot print {listed}{where} with the font {self.names[0]}: set a fallback font "
                    f"that has them (profile set --fallback-font FILE)")
        return (f"cannot print {listed}{where} with the fonts {' and '.join(self.names)}: set a "
                f"fallback font that has them instead (profile set --fallback-font FILE)")

    def check(self, texts: Iterable[str], what: str | None = None) -> None:
        """InvalidData naming the characters that cannot be printed, if any."""
        missing = self.missing(texts)
        if missing:
            raise InvalidData(self.refusal(missing, what))


def coverage(fallback_font: Path | None = None) -> Coverage:
    """What the document fonts can print; read once per process and fallback font."""
    return _coverage(bold_path(), None if fallback_font is None else check_fallback_font(fallback_font))


@lru_cache(maxsize=8)
def _coverage(bold: Path, fallback: Path | None) -> Coverage:
    from fontTools import ttLib

    with ttLib.TTFont(regular_path(), lazy=True) as regular, ttLib.TTFont(bold, lazy=True) as heavy:
        codepoints = set(regular.getBestCmap()) & set(heavy.getBestCmap())
    names = [FAMILY]
    if fallback is not None:
        with ttLib.TTFont(fallback, lazy=True) as font:
            codepoints |= set(font.getBestCmap())
            names.append(font["name"].getBestFamilyName() or fallback.name)
    return Coverage(tuple(names), frozenset(codepoints))


def instance_static(axes: dict[str, float]):
    """A static Noto Sans (a fontTools TTFont) at `axes`, made from the variable font."""
    from fontTools import ttLib
    from fontTools.varLib import instancer

    font = ttLib.TTFont(variable_path())
    for tag in _LAYOUT_TABLES:
        if tag in font:
            del font[tag]
    instancer.instantiateVariableFont(font, axes, inplace=True, static=True, updateFontNames=True)
    return font


def instance_bold():
    """Noto Sans Bold as a static font (a fontTools TTFont), made from the variable font."""
    return instance_static(BOLD_AXES)


def _save_atomically(font, folder: Path, name: str) -> Path:
    """Write to a temporary file in the same folder and rename it into place, so a reader
    never sees half a font and two processes making it at once both end with a whole file."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".font-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            font.save(stream)
        target = folder / name
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _spare_dir(create: bool) -> Path | None:
    """A per-user folder in the system temporary directory, for when the cache cannot be
    written. Another user could make it first and plant a file in it, so it is used only
    when it is ours and nobody else may write to it; `create=True` makes a fresh folder
    when it is not."""
    user = os.getuid() if hasattr(os, "getuid") else getpass.getuser()
    folder = Path(tempfile.gettempdir()) / f"ordercli-fonts-{user}"
    try:
        if create:
            folder.mkdir(mode=0o700, exist_ok=True)
        status = folder.stat()
        if hasattr(os, "getuid") and (status.st_uid != os.getuid() or status.st_mode & 0o022):
            raise PermissionError(folder)
    except OSError:
        return Path(tempfile.mkdtemp(prefix="ordercli-fonts-")) if create else None
    return folder


def _is_font_file(path: Path) -> bool:
    """Cheap check that a cached file is there and starts like a TrueType font."""
    try:
        with path.open("rb") as stream:
            return stream.read(4) in _TRUETYPE_MAGIC
    except OSError:
        return False
