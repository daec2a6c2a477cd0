"""Lighthouse (from the npm registry) scores the front page and an article page, on a phone
(its default: a mid-range phone's screen on a throttled connection), at 95 or more in each
of its four categories: performance, accessibility, best practices and SEO.

The pages carry the demo organization's content, with lead pictures as an editor would
upload them, and the article has its approved comments in threads. One Lighthouse process
per page, on Debian's Chromium; without Lighthouse (node_modules) or Node.js the test
skips, unless NEWSROOM_REQUIRE_BROWSER=1, when it fails instead.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFilter

from newsroom import images
from newsroom.extensions import db
from newsroom.models import Article
from tests.browser.conftest import CHROMIUM_FLAGS, _chromium

pytestmark = pytest.mark.browser

LIGHTHOUSE = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
LEAST_SCORE = 0.95
# The demo article whose approved comments answer each other, three levels deep.
THREADED = "lake-merrow-algae-bloom-flagged-early"


def _lighthouse() -> Path:
    """The Lighthouse command, or a skip (a failure under NEWSROOM_REQUIRE_BROWSER=1) saying
    what is missing."""
    if shutil.which("node") is None:
        missing = "no Node.js found"
    elif not LIGHTHOUSE.exists():
        missing = f"{LIGHTHOUSE} is missing (run `make test`: it runs npm ci)"
    else:
        return LIGHTHOUSE
    if os.environ.get("NEWSROOM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"NEWSROOM_REQUIRE_BROWSER=1 but Lighthouse can't run: {missing}")
    pytest.skip(f"Lighthouse can't run: {missing}")


def _photograph(seed: int) -> bytes:
    """A JPEG as a camera makes them: 1,800 pixels wide, colours that change everywhere and
    grain (a flat colour would compress to nothing and flatter the page's weight)."""
    rng = random.Random(seed)
    picture = Image.new("RGB", (1800, 1200))
    draw = ImageDraw.Draw(picture)
    for y in range(0, 1200, 4):
        shade = y / 1200
        sky = (int(70 + 120 * shade), int(120 + 50 * shade), int(180 - 70 * shade))
        draw.rectangle((0, y, 1800, y + 3), fill=sky)
    for _ in range(250):
        x, y, r = rng.randrange(1800), rng.randrange(1200), rng.randrange(8, 90)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    picture = picture.filter(ImageFilter.GaussianBlur(2))
    grain = Image.effect_noise((1800, 1200), 24).convert("RGB")
    out = io.BytesIO()
    Image.blend(picture, grain, 0.12).save(out, "JPEG", quality=88)
    return out.getvalue()


def _demo_site_with_pictures(app, runner) -> None:
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    newest = db.session.scalars(
        sa.select(Article).where(Article.public_filter()).order_by(Article.published_at.desc())
    ).all()
    threaded = next(article for article in newest if article.slug == THREADED)
    # The front page's lead and its four cards show their pictures, as does the article.
    for seed, article in enumerate([*newest[:5], threaded]):
        stored = images.store_upload(
            _photograph(seed), images.upload_folder(app.instance_path), 10_000_000
        )
        article.image_name = stored.name
        article.image_width, article.image_height = stored.width, stored.height
        article.image_alt = "Volunteers in a canoe on the lake at dawn"
    db.session.commit()


def _scores(url: str, report: Path) -> dict:
    """Lighthouse's report on `url`, in the four categories only (the PWA audits and the
    full trace are not needed: a run takes about half the time)."""
    flags = " ".join(["--headless=new", *CHROMIUM_FLAGS])
    finished = subprocess.run(
        [
            str(_lighthouse()),
            url,
            "--quiet",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={flags}",
            "--output=json",
            f"--output-path={report}",
        ],
        env={**os.environ, "CHROME_PATH": _chromium()},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    return json.loads(report.read_text(encoding="utf-8"))


def _shortfalls(report: dict) -> list[str]:
    """Each category under LEAST_SCORE, with the audits in it that did not pass and what
    they found."""
    shortfalls = []
    for name in CATEGORIES:
        category = report["categories"][name]
        if category["score"] >= LEAST_SCORE:
            continue
        shortfalls.append(f"{name}: {category['score']:.2f}")
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if audit["score"] is None or audit["score"] >= 1 or not ref["weight"]:
                continue
            found = audit.get("displayValue") or ""
            items = (audit.get("details") or {}).get("items") or []
            where = "; ".join(
                (item.get("node") or {}).get("snippet") or str(item.get("url", ""))
                for item in items[:3]
            )
            shortfalls.append(
                f"  {ref['id']} ({audit['score']:.2f}, weight {ref['weight']}): "
                f"{audit['title']} {found} {where}".rstrip()
            )
    return shortfalls


def test_home_and_article_score_95_in_every_category_on_a_phone(app, runner, live_server, tmp_path):
    _lighthouse()  # skip before loading the demo for nothing
    _demo_site_with_pictures(app, runner)
    found = {}
    for name, path in (("home", "/"), ("article", f"/articles/{THREADED}")):
        report = _scores(live_server + path, tmp_path / f"{name}.json")
        assert report["configSettings"]["formFactor"] == "mobile"
        assert not report.get("runtimeError"), report["runtimeError"]
        found[name] = _shortfalls(report)
        print(name, {c: report["categories"][c]["score"] for c in CATEGORIES})
    assert found == {"home": [], "article": []}, "\n".join(
        f"{name}:\n" + "\n".join(lines) for name, lines in found.items() if lines
    )
