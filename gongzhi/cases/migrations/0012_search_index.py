"""The full-text index of cases (see gongzhi/cases/models/search.py and docs/ARCHITECTURE.md, Search).

The engine's own index is vendor SQL, unknown to the ORM: on SQLite an FTS5 table over the entry
table as its external content, kept in step by three triggers; on PostgreSQL a generated tsvector
column with a GIN index. Existing cases are indexed here, and the first synonym groups seeded.
"""

import django.db.models.deletion
from django.db import migrations, models

SQLITE = [
    "CREATE VIRTUAL TABLE cases_search_fts USING fts5(title, place, body, parts, content='cases_searchentry', "
    "content_rowid='case_id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER cases_searchentry_ai AFTER INSERT ON cases_searchentry BEGIN "
    "INSERT INTO cases_search_fts(rowid, title, place, body, parts) "
    "VALUES (new.case_id, new.title, new.place, new.body, new.parts); END",
    "CREATE TRIGGER cases_searchentry_ad AFTER DELETE ON cases_searchentry BEGIN "
    "INSERT INTO cases_search_fts(cases_search_fts, rowid, title, place, body, parts) "
    "VALUES ('delete', old.case_id, old.title, old.place, old.body, old.parts); END",
    "CREATE TRIGGER cases_searchentry_au AFTER UPDATE ON cases_searchentry BEGIN "
    "INSERT INTO cases_search_fts(cases_search_fts, rowid, title, place, body, parts) "
    "VALUES ('delete', old.case_id, old.title, old.place, old.body, old.parts); "
    "INSERT INTO cases_search_fts(rowid, title, place, body, parts) "
    "VALUES (new.case_id, new.title, new.place, new.body, new.parts); END",
    # bm25 weights of the columns: title, address, description, words inside words.
    "INSERT INTO cases_search_fts(cases_search_fts, rank) VALUES ('rank', 'bm25(4.0, 2.0, 1.0, 0.5)')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS cases_searchentry_ai", "DROP TRIGGER IF EXISTS cases_searchentry_ad",
    "DROP TRIGGER IF EXISTS cases_searchentry_au", "DROP TABLE IF EXISTS cases_search_fts",
]
POSTGRESQL = [
    "ALTER TABLE cases_searchentry ADD COLUMN document tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, place), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, body), 'C') || "
    "setweight(to_tsvector('simple'::regconfig, parts), 'D')) STORED",
    "CREATE INDEX cases_searchentry_document ON cases_searchentry USING gin (document)",
]
POSTGRESQL_REVERSE = ["DROP INDEX IF EXISTS cases_searchentry_document",
                      "ALTER TABLE cases_searchentry DROP COLUMN IF EXISTS document"]

SYNONYMS = [
    ("噪音 噪声", ""),
    ("欠薪 拖欠工资 拖欠农民工工资 讨薪", ""),
    ("路灯 街灯", ""),
    ("停水 断水", ""),
    ("停电 断电", ""),
    ("违建 违章建筑 违法建设 私搭乱建", ""),
    ("占道经营 流动摊贩 马路市场", ""),
    ("井盖 窨井盖", ""),
    ("漏水 渗水", ""),
    ("油烟 餐饮油烟", ""),
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def create_engine_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRESQL)


def drop_engine_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_REVERSE)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_REVERSE)


def seed_and_index(apps, schema_editor):
    from gongzhi.cases.search.index import entry_values

    apps.get_model("cases", "SynonymGroup").objects.bulk_create(
        [apps.get_model("cases", "SynonymGroup")(words=words, note=note) for words, note in SYNONYMS])
    Case = apps.get_model("cases", "Case")
    SearchEntry = apps.get_model("cases", "SearchEntry")
    last = 0
    while True:
        rows = list(Case.objects.filter(pk__gt=last).order_by("pk")
                    .values_list("pk", "title", "description", "address")[:2000])
        if not rows:
            break
        SearchEntry.objects.bulk_create([SearchEntry(case_id=pk, **entry_values(title, description, address))
                                         for pk, title, description, address in rows])
        last = rows[-1][0]


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0015_flows'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchEntry',
            fields=[
                ('case', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_entry', serialize=False, to='cases.case', verbose_name='case')),
                ('title', models.TextField(blank=True, verbose_name='title words')),
                ('place', models.TextField(blank=True, verbose_name='address words')),
                ('body', models.TextField(blank=True, verbose_name='description words')),
                ('parts', models.TextField(blank=True, verbose_name='words inside words')),
            ],
            options={
                'verbose_name': 'search index entry',
                'verbose_name_plural': 'search index entries',
            },
        ),
        migrations.CreateModel(
            name='SynonymGroup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('words', models.CharField(help_text='Two or more words or expressions that mean the same, separated by spaces, commas or 、.', max_length=500, verbose_name='words')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
            ],
            options={
                'verbose_name': 'synonym group',
                'verbose_name_plural': 'synonym groups',
                'ordering': ['id'],
            },
        ),
        migrations.RunPython(create_engine_index, drop_engine_index),
        migrations.RunPython(seed_and_index, migrations.RunPython.noop),
    ]
