"""A made-up WordPress export for measuring `flask import-wordpress`: posts written in the
block editor with captions and tables, threaded comments in every status with pingbacks
among them, and media attachments with the metadata WordPress exports for each (most of a
real export's bytes: they are read and skipped).

    python bench/wxr_gen.py FILE [--posts 5000] [--comments 100000] [--attachments 60000]

Written as a stream (a few MB of memory whatever the size) and repeatable by --seed. The
defaults make about 500 MB; the file is not kept in the repository.
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

# One string split at start-up (a list literal of 33 words would fill a page).
_TEXT = "lake shore council volunteers water quality sampling spring ice loons north bay \
culvert creek trout redds algae bloom report members residents county funding runoff \
monitoring clarity temperature season paddle count registration dock survey erosion"
WORDS = _TEXT.split(" ")
CATEGORIES = ["lake-news", "press-releases", "events", "field-notes", "opinion", "reports"]
STATUSES = ["1"] * 80 + ["0"] * 8 + ["spam"] * 7 + ["trash"] * 3 + ["pingback"] * 2
START = datetime(2012, 1, 1, tzinfo=UTC)
UPLOADS = "https://old.example.org/wp-content/uploads"


def sentence(rng: random.Random, low: int = 8, high: int = 20) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high))).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))


def post_body(rng: random.Random, number: int) -> str:
    blocks = []
    for index in range(rng.randint(6, 12)):
        roll = rng.random()
        if index == 2 and roll < 0.5:
            blocks.append(
                f'<!-- wp:image {{"id":{number}}} -->\n<figure class="wp-block-image">'
                f'<img src="{UPLOADS}/{number}.jpg" alt="Photo {number}"/>'
                f"<figcaption>{sentence(rng, 4, 8)}</figcaption></figure>\n"
                "<!-- /wp:image -->"
            )
        elif index == 4 and roll < 0.3:
            rows = "".join(
                f"<tr><td>{2012 + r}</td><td>{rng.randint(1, 9)}.{rng.randint(0, 9)} m</td></tr>"
                for r in range(5)
            )
            blocks.append(
                '<!-- wp:table -->\n<figure class="wp-block-table"><table><tbody>'
                f"{rows}</tbody></table></figure>\n<!-- /wp:table -->"
            )
        elif roll < 0.1:
            blocks.append(
                f"<!-- wp:heading -->\n<h2>{sentence(rng, 3, 6)}</h2>\n<!-- /wp:heading -->"
            )
        elif roll < 0.18:
            items = "".join(f"<li>{sentence(rng, 3, 8)}</li>" for _ in range(rng.randint(2, 5)))
            blocks.append(f"<!-- wp:list -->\n<ul>{items}</ul>\n<!-- /wp:list -->")
        else:
            text = paragraph(rng)
            words = text.split(" ")
            words[1] = f"<strong>{words[1]}</strong>"
            words[4] = f'<a href="https://example.org/{number}">{words[4]}</a>'
            blocks.append(
                f"<!-- wp:paragraph -->\n<p>{' '.join(words)}</p>\n<!-- /wp:paragraph -->"
            )
    return "\n\n".join(blocks)


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def comment(rng: random.Random, comment_id: int, parent: int, when: datetime) -> str:
    approved = rng.choice(STATUSES)
    kind = "pingback" if approved == "pingback" else "comment"
    approved = "1" if kind == "pingback" else approved
    reader = int(20000 * rng.random() ** 2)
    local = when - timedelta(hours=5)
    address = f"10.{reader // 65536}.{reader // 256 % 256}.{reader % 256}"
    text = "\n".join(paragraph(rng) for _ in range(rng.randint(1, 2)))
    return (
        "\t\t<wp:comment>\n"
        f"\t\t\t<wp:comment_id>{comment_id}</wp:comment_id>\n"
        f"\t\t\t<wp:comment_author>{cdata(f'Reader {reader}')}</wp:comment_author>\n"
        f"\t\t\t<wp:comment_author_email>{cdata(f'reader{reader}@example.com')}</wp:comment_author_email>\n"
        "\t\t\t<wp:comment_author_url></wp:comment_author_url>\n"
        f"\t\t\t<wp:comment_author_IP>{cdata(address)}</wp:comment_author_IP>\n"
        f"\t\t\t<wp:comment_date>{cdata(f'{local:%Y-%m-%d %H:%M:%S}')}</wp:comment_date>\n"
        f"\t\t\t<wp:comment_date_gmt>{cdata(f'{when:%Y-%m-%d %H:%M:%S}')}</wp:comment_date_gmt>\n"
        f"\t\t\t<wp:comment_content>{cdata(text)}</wp:comment_content>\n"
        f"\t\t\t<wp:comment_approved>{cdata(approved)}</wp:comment_approved>\n"
        f"\t\t\t<wp:comment_type>{cdata(kind)}</wp:comment_type>\n"
        f"\t\t\t<wp:comment_parent>{parent}</wp:comment_parent>\n"
        "\t\t\t<wp:comment_user_id>0</wp:comment_user_id>\n"
        "\t\t\t<wp:commentmeta><wp:meta_key><![CDATA[akismet_result]]></wp:meta_key>"
        "<wp:meta_value><![CDATA[false]]></wp:meta_value></wp:commentmeta>\n"
        "\t\t</wp:comment>\n"
    )


def attachment(rng: random.Random, number: int) -> str:
    sizes = "".join(
        f's:{len(name)}:"{name}";a:4:{{s:4:"file";s:20:"photo-{number}-{name}.jpg";'
        f's:5:"width";i:{rng.randint(100, 2000)};s:6:"height";i:{rng.randint(100, 2000)};'
        's:9:"mime-type";s:10:"image/jpeg";}'
        for name in ("thumbnail", "medium", "medium_large", "large", "1536x1536", "2048x2048")
    )
    metadata = f'a:5:{{s:5:"width";i:4000;s:6:"height";i:3000;s:5:"sizes";a:6:{{{sizes}}}' + (
        's:10:"image_meta";a:12:{' + 's:7:"caption";s:0:"";' * 12 + "}}"
    )
    return (
        "\t<item>\n"
        f"\t\t<title>{cdata(f'photo-{number}')}</title>\n"
        f"\t\t<link>https://old.example.org/photo-{number}/</link>\n"
        "\t\t<dc:creator><![CDATA[mara]]></dc:creator>\n"
        f"\t\t<content:encoded>{cdata('')}</content:encoded>\n"
        f"\t\t<excerpt:encoded>{cdata(sentence(rng, 4, 10))}</excerpt:encoded>\n"
        f"\t\t<wp:post_id>{1_000_000 + number}</wp:post_id>\n"
        "\t\t<wp:post_date><![CDATA[2015-01-01 00:00:00]]></wp:post_date>\n"
        "\t\t<wp:status><![CDATA[inherit]]></wp:status>\n"
        "\t\t<wp:post_type><![CDATA[attachment]]></wp:post_type>\n"
        f"\t\t<wp:attachment_url>https://old.example.org/wp-content/uploads/{number}.jpg</wp:attachment_url>\n"
        "\t\t<wp:postmeta><wp:meta_key><![CDATA[_wp_attached_file]]></wp:meta_key>"
        f"<wp:meta_value>{cdata(f'2015/01/{number}.jpg')}</wp:meta_value></wp:postmeta>\n"
        "\t\t<wp:postmeta><wp:meta_key><![CDATA[_wp_attachment_metadata]]></wp:meta_key>"
        f"<wp:meta_value>{cdata(metadata * 4)}</wp:meta_value></wp:postmeta>\n"
        "\t</item>\n"
    )


def post(rng: random.Random, number: int, comments: int, first_comment: int) -> str:
    published = START + timedelta(hours=number * 17)
    local = published - timedelta(hours=5)
    categories = rng.sample(CATEGORIES, rng.randint(1, 2))
    parts = [
        "\t<item>\n",
        f"\t\t<title>{cdata(sentence(rng, 4, 9)[:-1] + f' ({number})')}</title>\n",
        f"\t\t<link>https://old.example.org/{local:%Y/%m/%d}/post-{number}/</link>\n",
        f"\t\t<dc:creator>{cdata(rng.choice(['mara', 'tjbrook']))}</dc:creator>\n",
        f'\t\t<guid isPermaLink="false">https://old.example.org/?p={number}</guid>\n',
        f"\t\t<content:encoded>{cdata(post_body(rng, number))}</content:encoded>\n",
        f"\t\t<excerpt:encoded>{cdata(sentence(rng))}</excerpt:encoded>\n",
        f"\t\t<wp:post_id>{number}</wp:post_id>\n",
        f"\t\t<wp:post_date>{cdata(f'{local:%Y-%m-%d %H:%M:%S}')}</wp:post_date>\n",
        f"\t\t<wp:post_date_gmt>{cdata(f'{published:%Y-%m-%d %H:%M:%S}')}</wp:post_date_gmt>\n",
        "\t\t<wp:comment_status><![CDATA[open]]></wp:comment_status>\n",
        f"\t\t<wp:post_name>{cdata(f'post-{number}')}</wp:post_name>\n",
        f"\t\t<wp:status>{cdata('publish' if rng.random() < 0.95 else 'draft')}</wp:status>\n",
        "\t\t<wp:post_type><![CDATA[post]]></wp:post_type>\n",
    ]
    for slug in categories:
        parts.append(
            f'\t\t<category domain="category" nicename="{slug}">'
            f"{cdata(escape(slug.title()))}</category>\n"
        )
    ids = []
    for offset in range(comments):
        comment_id = first_comment + offset
        parent = rng.choice(ids) if ids and rng.random() < 0.3 else 0
        when = published + timedelta(minutes=10 * offset + 5)
        parts.append(comment(rng, comment_id, parent, when))
        ids.append(comment_id)
    parts.append("\t</item>\n")
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--attachments", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=16)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    # Comments bunch up on some posts, as on a real site.
    weights = [rng.paretovariate(1.3) for _ in range(options.posts)]
    scale = options.comments / sum(weights)
    counts = [int(w * scale) for w in weights]
    counts[0] += options.comments - sum(counts)
    every = max(1, options.posts // max(1, options.attachments))
    per_post = max(1, options.attachments // max(1, options.posts))
    with options.file.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0"\n'
            '\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"\n'
            '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
            '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
            '\txmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
            "\t<title>Generated site</title>\n\t<wp:wxr_version>1.2</wp:wxr_version>\n"
            "\t<wp:base_site_url>https://old.example.org</wp:base_site_url>\n"
            "\t<wp:author><wp:author_login>mara</wp:author_login>"
            "<wp:author_display_name>Mara Olsen</wp:author_display_name></wp:author>\n"
            "\t<wp:author><wp:author_login>tjbrook</wp:author_login>"
            "<wp:author_display_name>T. J. Brook</wp:author_display_name></wp:author>\n"
        )
        next_comment, made_attachments = 1, 0
        for number in range(1, options.posts + 1):
            out.write(post(rng, number, counts[number - 1], next_comment))
            next_comment += counts[number - 1]
            if number % every == 0:
                for _ in range(per_post):
                    if made_attachments < options.attachments:
                        made_attachments += 1
                        out.write(attachment(rng, made_attachments))
        out.write("</channel>\n</rss>\n")
    size = options.file.stat().st_size
    print(
        f"Wrote {options.file}: {size / 1e6:,.0f} MB, {options.posts:,} posts, "
        f"{options.comments:,} comments, {made_attachments:,} attachments."
    )


if __name__ == "__main__":
    main()
