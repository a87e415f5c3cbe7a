"""LibreOffice (headless) as a writer of test and benchmark files: one workbook saved again as .ods,
.xls, .xlsx or .xlsm, the way a centre using LibreOffice Calc would save it."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

FILTERS = {"ods": "ods", "xls": "xls", "xlsx": "xlsx:Calc MS Excel 2007 XML", "xlsm": "xlsm:Calc MS Excel 2007 VBA XML"}


def soffice() -> str | None:
    """The LibreOffice binary, or None when it is not installed (Debian: libreoffice-calc-nogui)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(sources: list[Path], fmt: str, out_dir: Path, timeout: float = 600) -> list[Path]:
    """Save each of `sources` as `fmt` into `out_dir` (one LibreOffice run for all of them, with a
    private profile so that parallel runs do not lock each other). Returns the new files, in order."""
    binary = soffice()
    if binary is None:
        raise RuntimeError("LibreOffice не установлен (пакет libreoffice-calc-nogui)")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run([binary, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", FILTERS[fmt], "--outdir", str(out_dir), *map(str, sources)],
                       check=True, capture_output=True, timeout=timeout,
                       env={**os.environ, "HOME": profile})
    made = [out_dir / (Path(s).stem + "." + fmt) for s in sources]
    missing = [str(p) for p in made if not p.exists()]
    if missing:
        raise RuntimeError("LibreOffice не сохранил: " + ", ".join(missing))
    return made
