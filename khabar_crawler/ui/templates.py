"""The HTML of the project's own pages (search, article, chart): right to left, in Arabic,
with Datasette's stylesheet; autoescaped (a value is text unless it is ``Markup``)."""

from __future__ import annotations

from typing import Any

from jinja2 import DictLoader, Environment, select_autoescape

BASE = """<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %} · khabar</title>
<link rel="stylesheet" href="{{ css }}">
<style>
body { direction: rtl; }
.content { max-width: 60rem; }
header nav a { margin-left: 1em; }
form label { width: auto; }
form p.fields { display: flex; flex-wrap: wrap; gap: .75em 1.5em; align-items: flex-end; }
form p.fields label { display: flex; flex-direction: column; gap: .25em; }
form.khabar-search input[type=search] { width: 28em; max-width: 90vw; font-size: 1.1em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; }
dl.meta dt { font-weight: bold; }
dl.meta dd { margin: 0; }
ol.hits li { margin-bottom: 1em; }
.meta { color: #666; font-size: .9em; }
mark { background: #ffe680; }
.error { color: #b00020; font-weight: bold; }
article p { line-height: 1.8; }
table.versions td, table.versions th { padding: .2em .6em; text-align: right; }
[dir=ltr] { unicode-bidi: isolate; }
</style>
</head>
<body>
<header><nav>
<a href="{{ home }}">khabar</a>
<a href="{{ database_url }}">قاعدة البيانات</a>
<a href="{{ search_url }}">البحث</a>
<a href="{{ chart_url }}">المقالات في اليوم</a>
</nav></header>
<section class="content">
{% block content %}{% endblock %}
</section>
</body>
</html>
"""

SEARCH = """{% extends "base.html" %}
{% block title %}البحث{% if form.query %}: {{ form.query }}{% endif %}{% endblock %}
{% block content %}
<h1>البحث في المقالات</h1>
<form class="khabar-search" action="{{ search_url }}" method="get" role="search">
<p class="fields"><label>الكلمات: <input type="search" name="q" value="{{ form.query }}" autofocus
 placeholder='كلمات، "عبارة"، بادئة*'></label>
<button type="submit">ابحث</button></p>
<p class="fields">
<label>التصنيف: <select name="category"><option value="">الكل</option>
{% for category in choices.categories %}
<option{% if category == form.category %} selected{% endif %}>{{ category }}</option>
{% endfor %}
</select></label>
<label>الوسم: <input name="tag" list="khabar-tags" value="{{ form.tag or '' }}"></label>
<label>الكاتب: <input name="author" list="khabar-authors" value="{{ form.author or '' }}"></label>
<label>من: <input type="date" name="since" value="{{ args.since or '' }}"></label>
<label>إلى (قبل): <input type="date" name="until" value="{{ args.until or '' }}"></label>
</p>
<datalist id="khabar-tags">
{% for tag in choices.tags %}<option value="{{ tag }}">{% endfor %}
</datalist>
<datalist id="khabar-authors">
{% for author in choices.authors %}<option value="{{ author }}">{% endfor %}
</datalist>
</form>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
{% if searched %}
<p class="count">{{ hits|length }} نتيجة</p>
<ol class="hits">
{% for hit in hits %}
<li class="hit" data-article-id="{{ hit.article_id or '' }}">
<a class="title" href="{{ article_url(hit.id) }}"><strong>{{ hit.title }}</strong></a>
<div class="meta">{{ day(hit.published_at) }}{% if hit.category %} · {{ hit.category }}{% endif %}
 · <a href="{{ hit.url }}" dir="ltr">{{ readable(hit.url) }}</a></div>
<div class="snippet">{{ snippet(hit.snippet) }}</div>
</li>
{% endfor %}
</ol>
{% endif %}
<p class="meta">كل كلمة يجب أن ترد؛ "عبارة" بين علامتي تنصيص؛ بادئة*؛ <code dir="ltr">OR</code> لأيٍّ منهما؛
‎-كلمة أو <code dir="ltr">NOT</code> للاستبعاد؛ ( ) للتجميع —
كما في <code dir="ltr">khabar search</code>، بالترتيب نفسه (العنوان فوق الملخص فوق النص).</p>
{% endblock %}
"""

ARTICLE = """{% extends "base.html" %}
{% block title %}{{ article.title }}{% endblock %}
{% block content %}
<article lang="ar" dir="rtl">
<h1>{{ article.title }}</h1>
<dl class="meta">
<dt>نُشر</dt><dd class="published">{{ when(article.published_at) }}
{% if article.modified_at %} · عُدّل {{ when(article.modified_at) }}{% endif %}</dd>
{% if article.category %}<dt>التصنيف</dt><dd class="category">{{ article.category }}</dd>{% endif %}
{% if article.authors %}<dt>الكاتب</dt><dd class="authors">{{ article.authors|join("، ") }}</dd>{% endif %}
{% if article.tags %}<dt>الوسوم</dt><dd class="tags">
{% for tag in article.tags %}<a href="{{ tag_url(tag) }}">{{ tag }}</a>{% if not loop.last %}، {% endif %}
{% endfor %}</dd>{% endif %}
<dt>الرابط</dt><dd><a href="{{ article.url }}" dir="ltr">{{ readable(article.url) }}</a></dd>
{% if article.gone_at %}<dt>حُذف من الموقع</dt><dd>{{ when(article.gone_at) }}</dd>{% endif %}
</dl>
{% if article.summary %}<p class="summary"><strong>{{ article.summary }}</strong></p>{% endif %}
<div class="body">
{% for section in article.sections %}
{% if section.heading %}<h2>{{ section.heading }}</h2>{% endif %}
{% for paragraph in section.paragraphs %}<p>{{ paragraph }}</p>
{% endfor %}
{% endfor %}
</div>
</article>
<section class="versions">
<h2>النسخ ({{ article.versions|length }})</h2>
<table class="versions">
<thead><tr><th>النسخة</th><th>سُجّلت</th><th>عُدّلت</th><th>جُلبت</th><th>العنوان</th><th>البصمة</th></tr></thead>
<tbody>
{% for version in article.versions %}
<tr class="version"><td>{{ version.version }}</td><td>{{ when(version.recorded_at) }}</td>
<td>{{ when(version.modified_at) }}</td><td>{{ when(version.fetched_at) }}</td>
<td>{{ version.title }}</td><td dir="ltr"><code>{{ version.content_hash[:12] }}</code></td></tr>
{% endfor %}
</tbody>
</table>
<p><a href="{{ row_url }}">الصف في جدول articles</a> ·
<a href="{{ versions_url }}">النسخ في جدول article_versions</a></p>
</section>
{% endblock %}
"""

CHART = """{% extends "base.html" %}
{% block title %}المقالات في اليوم حسب التصنيف{% endblock %}
{% block content %}
<h1>المقالات في اليوم حسب التصنيف</h1>
<form method="get" action="{{ chart_url }}"><p class="fields">
<label>من: <input type="date" name="since" value="{{ since or '' }}"></label>
<label>إلى (قبل): <input type="date" name="until" value="{{ until or '' }}"></label>
<button type="submit">اعرض</button>
</p></form>
<figure dir="ltr">{{ chart }}</figure>
<p class="meta">من العرض <a href="{{ table_url }}">daily_category_counts</a>
({{ days }} يوم، {{ total }} مقال).</p>
{% endblock %}
"""

MESSAGE = """{% extends "base.html" %}
{% block title %}{{ message }}{% endblock %}
{% block content %}<h1>{{ message }}</h1>{% endblock %}
"""

ENVIRONMENT = Environment(
    loader=DictLoader(
        {
            "base.html": BASE,
            "search.html": SEARCH,
            "article.html": ARTICLE,
            "chart.html": CHART,
            "message.html": MESSAGE,
        }
    ),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def render(name: str, **context: Any) -> str:
    """The page ``name`` (``search.html``, ``article.html``, ``chart.html``, ``message.html``)."""
    return ENVIRONMENT.get_template(name).render(**context)
