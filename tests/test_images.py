"""Lead images: uploaded in the editor, checked, stored at two widths, shown with srcset and
alt text, served for a year; refused uploads say why and keep everything else typed."""

from __future__ import annotations

import io
from pathlib import Path

import sqlalchemy as sa
from PIL import Image

from newsroom.extensions import db
from newsroom.models import Article
from tests.conftest import csrf_token, page, text_of


def _png(width: int = 1600, height: int = 900) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 140)).save(out, "PNG")
    return out.getvalue()


def _form(admin_client, section, **extra) -> dict:
    return {
        "csrf_token": csrf_token(admin_client, "/admin/articles/new"),
        "title": "Bridge reopens",
        "slug": "",
        "section_id": str(section.id),
        "summary": "Traffic flows again.",
        "body_markdown": "Crews finished **early**.",
        "status": "published",
        "published_at": "",
        "comments_open": "y",
        "moderation_policy": "",
        "comments_close_after_days": "",
        "source_name": "",
        "source_url": "",
        "image_alt": "",
        "kept_image": "",
        "save": "y",
        **extra,
    }


def _post(admin_client, data):
    return admin_client.post("/admin/articles/new", data=data, content_type="multipart/form-data")


def test_an_uploaded_picture_is_stored_at_two_widths_and_shown(
    admin_client, client, site, section, app
):
    data = _form(
        admin_client,
        section,
        image=(io.BytesIO(_png()), "bridge.png"),
        image_alt="The bridge at dusk, open to cars",
    )
    assert _post(admin_client, data).status_code == 303

    article = db.session.query(Article).one()
    assert (article.image_width, article.image_height) == (1280, 720)
    folder = app.instance_path + "/uploads/"
    with Image.open(folder + f"{article.image_name}-640.webp") as small:
        assert small.size == (640, 360)

    html = page(client.get(f"/articles/{article.slug}"))
    img = html.select_one(".lead-image img")
    assert img["alt"] == "The bridge at dusk, open to cars"
    name = article.image_name
    assert img["srcset"] == f"/uploads/{name}-640.webp 640w, /uploads/{name}-1280.webp 1280w"
    assert (img["width"], img["height"]) == ("1280", "720")
    assert html.select_one("meta[name='twitter:card']")["content"] == "summary_large_image"
    home = page(client.get("/"))
    assert home.select_one(".story-lead img")["alt"] == "The bridge at dusk, open to cars"

    served = client.get(img["src"])
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    served.close()
    assert client.get("/uploads/../secret_key").status_code == 404
    assert client.get("/uploads/abc.webp").status_code == 404


def test_a_picture_needs_its_description_and_is_kept_while_it_is_asked_for(
    admin_client, site, section
):
    response = _post(
        admin_client, _form(admin_client, section, image=(io.BytesIO(_png()), "a.png"))
    )
    assert response.status_code == 422
    html = page(response)
    assert "Describe the picture" in text_of(html.select_one("#image_alt-error"))
    assert html.select_one("#title")["value"] == "Bridge reopens"
    kept = html.select_one("input[name=kept_image]")["value"]
    assert kept

    data = _form(admin_client, section, kept_image=kept, image_alt="A bridge")
    assert _post(admin_client, data).status_code == 303
    assert db.session.query(Article).one().image_name == kept


def test_a_file_that_is_no_picture_is_refused_and_nothing_typed_is_lost(
    admin_client, site, section
):
    data = _form(
        admin_client,
        section,
        image=(io.BytesIO(b"%PDF-1.4 not a picture"), "report.pdf"),
        image_alt="A report",
        body_markdown="A long body the editor typed.",
    )
    response = _post(admin_client, data)

    assert response.status_code == 422
    html = page(response)
    assert "not a picture this site accepts" in text_of(html.select_one("#image-error"))
    assert html.select_one("#title")["value"] == "Bridge reopens"
    assert html.select_one("#body_markdown").get_text().strip() == "A long body the editor typed."
    assert html.select_one("#image_alt")["value"] == "A report"
    assert db.session.query(Article).count() == 0


def test_a_huge_file_is_refused_with_its_size_and_nothing_typed_is_lost(
    admin_client, site, section, app
):
    app.config["IMAGE_MAX_BYTES"] = 100_000
    data = _form(
        admin_client,
        section,
        image=(io.BytesIO(b"\x89PNG" + b"0" * 150_000), "big.png"),
        image_alt="x",
    )
    response = _post(admin_client, data)

    assert response.status_code == 422
    html = page(response)
    assert "the largest accepted is" in text_of(html.select_one("#image-error"))
    assert html.select_one("#summary").get_text().strip() == "Traffic flows again."
    assert db.session.query(Article).count() == 0


def test_a_request_beyond_even_the_upload_allowance_is_refused_whole(
    admin_client, site, section, app
):
    app.config["IMAGE_MAX_BYTES"] = 1_000
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    data = _form(admin_client, section, image=(io.BytesIO(b"0" * 50_000), "big.png"))
    assert _post(admin_client, data).status_code == 413


def test_a_picture_can_be_removed(admin_client, client, site, section):
    data = _form(
        admin_client, section, image=(io.BytesIO(_png(300, 200)), "s.png"), image_alt="Small"
    )
    assert _post(admin_client, data).status_code == 303
    article = db.session.query(Article).one()
    assert (article.image_width, article.image_height) == (300, 200)
    srcset = page(client.get(f"/articles/{article.slug}")).select_one(".lead-image img")["srcset"]
    assert srcset.endswith("300w") and " 300w," in srcset  # never claims a width it hasn't

    edit = _form(admin_client, section, remove_image="y", title="Bridge reopens")
    edit["csrf_token"] = csrf_token(admin_client, f"/admin/articles/{article.id}/edit")
    response = admin_client.post(
        f"/admin/articles/{article.id}/edit", data=edit, content_type="multipart/form-data"
    )
    assert response.status_code == 303
    db.session.refresh(article)
    assert article.image_name is None and article.image_alt == ""


# --- Pictures no article shows any more ----------------------------------------------------


def _stored_files(app) -> set[str]:
    folder = Path(app.instance_path) / "uploads"
    return {path.name for path in folder.iterdir()} if folder.exists() else set()


def _edit(admin_client, section, article, **fields):
    data = _form(admin_client, section, **{"title": article.title, "slug": article.slug, **fields})
    data["csrf_token"] = csrf_token(admin_client, f"/admin/articles/{article.id}/edit")
    return admin_client.post(
        f"/admin/articles/{article.id}/edit", data=data, content_type="multipart/form-data"
    )


def _new_with_picture(admin_client, section, title: str, picture: bytes) -> Article:
    data = _form(
        admin_client,
        section,
        title=title,
        image=(io.BytesIO(picture), "p.png"),
        image_alt="A picture",
    )
    assert _post(admin_client, data).status_code == 303
    return db.session.scalar(sa.select(Article).where(Article.title == title))


def _files_of(article: Article) -> set[str]:
    return {f"{article.image_name}-640.webp", f"{article.image_name}-1280.webp"}


def test_a_replaced_picture_is_removed_and_the_new_one_shown(admin_client, client, section, app):
    article = _new_with_picture(admin_client, section, "Bridge reopens", _png(800, 500))
    old_files, old_name = _files_of(article), article.image_name
    assert _stored_files(app) == old_files

    response = _edit(
        admin_client,
        section,
        article,
        image=(io.BytesIO(_png(900, 600)), "other.png"),
        image_alt="The new picture",
    )

    assert response.status_code == 303
    db.session.refresh(article)
    assert article.image_name != old_name
    assert _stored_files(app) == _files_of(article)
    img = page(client.get(f"/articles/{article.slug}")).select_one(".lead-image img")
    assert img["src"] == f"/uploads/{article.image_name}-640.webp"
    assert client.get(f"/uploads/{old_name}-640.webp").status_code == 404
    served = client.get(img["src"])
    assert served.status_code == 200
    served.close()


def test_a_removed_picture_and_a_deleted_articles_picture_are_removed(admin_client, section, app):
    kept = _new_with_picture(admin_client, section, "Bridge reopens", _png(800, 500))
    gone = _new_with_picture(admin_client, section, "Ferry stops", _png(700, 500))
    assert _stored_files(app) == _files_of(kept) | _files_of(gone)

    assert _edit(admin_client, section, kept, remove_image="y").status_code == 303
    assert _stored_files(app) == _files_of(gone)

    delete = f"/admin/articles/{gone.id}/delete"
    response = admin_client.post(delete, data={"csrf_token": csrf_token(admin_client, delete)})
    assert response.status_code == 303
    assert db.session.query(Article).count() == 1
    assert _stored_files(app) == set()


def test_a_picture_another_article_shows_stays(admin_client, client, section, app):
    """The same picture uploaded for two articles is stored once: replacing it on one, or
    deleting that one, leaves the other's picture in place."""
    first = _new_with_picture(admin_client, section, "Bridge reopens", _png(800, 500))
    second = _new_with_picture(admin_client, section, "Bridge, a week on", _png(800, 500))
    assert first.image_name == second.image_name
    shared = _files_of(first)

    assert _edit(admin_client, section, first, remove_image="y").status_code == 303
    assert _stored_files(app) == shared
    delete = f"/admin/articles/{second.id}/delete"
    admin_client.post(delete, data={"csrf_token": csrf_token(admin_client, delete)})
    assert _stored_files(app) == set()


def test_nothing_is_removed_when_the_change_is_refused(admin_client, client, section, app):
    first = _new_with_picture(admin_client, section, "Bridge reopens", _png(800, 500))
    other = _new_with_picture(admin_client, section, "Ferry stops", _png(700, 500))
    files = _stored_files(app)

    # The address is taken: nothing is saved, both pictures stay.
    response = _edit(admin_client, section, first, remove_image="y", slug=other.slug)

    assert response.status_code == 422
    assert _stored_files(app) == files
    db.session.refresh(first)
    img = page(client.get(f"/articles/{first.slug}")).select_one(".lead-image img")
    assert img["src"] == f"/uploads/{first.image_name}-640.webp"


def test_a_kept_upload_removed_meanwhile_is_asked_for_again(admin_client, section, app):
    """An editor's form holds a picture uploaded with an earlier try (refused for want of a
    description) while the only article showing the same picture lets go of it: the save
    asks for the picture again rather than dropping it unsaid."""
    shown = _new_with_picture(admin_client, section, "Bridge reopens", _png(800, 500))
    refused = _post(
        admin_client,
        _form(admin_client, section, title="Ferry", image=(io.BytesIO(_png(800, 500)), "p.png")),
    )
    kept = page(refused).select_one("input[name=kept_image]")["value"]
    assert kept == shown.image_name
    assert _edit(admin_client, section, shown, remove_image="y").status_code == 303
    assert _stored_files(app) == set()

    again = _post(
        admin_client, _form(admin_client, section, title="Ferry", kept_image=kept, image_alt="A")
    )

    assert again.status_code == 422
    html = page(again)
    assert text_of(html.select_one("#image-error")) == (
        "The picture is no longer stored. Upload it again."
    )
    assert html.select_one("input[name=kept_image]")["value"] == ""
    assert db.session.scalar(sa.select(Article).where(Article.title == "Ferry")) is None
