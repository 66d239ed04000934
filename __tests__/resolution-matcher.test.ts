import { describe, expect, it } from '@jest/globals'
import { containsCte, containsRelation, parseRelationName, sameRelation, scanSql } from '../src/resolution/relation-match.js'

/** Whether `relation` (a relation_name as dbt writes it) is read by `sql`. */
function found(sql: string, relation: string): boolean {
  const parts = parseRelationName(relation)
  if (!parts) throw new Error(`test relation does not parse: ${relation}`)
  return containsRelation(scanSql(sql), parts)
}

describe('parseRelationName', () => {
  it('parses every quoting style into unquoted parts', () => {
    expect(parseRelationName('"warehouse"."prod"."orders"')).toEqual([
      { text: 'warehouse', quoted: true },
      { text: 'prod', quoted: true },
      { text: 'orders', quoted: true }
    ])
    expect(parseRelationName('`proj`.`ds`.`orders`')?.map((p) => p.text)).toEqual(['proj', 'ds', 'orders'])
    expect(parseRelationName('[db].[dbo].[orders]')?.map((p) => p.text)).toEqual(['db', 'dbo', 'orders'])
    expect(parseRelationName('ANALYTICS.PROD.ORDERS')).toEqual([
      { text: 'ANALYTICS', quoted: false },
      { text: 'PROD', quoted: false },
      { text: 'ORDERS', quoted: false }
    ])
    expect(parseRelationName('"prod"."orders"')?.map((p) => p.text)).toEqual(['prod', 'orders'])
  })

  it('resolves escaped quotes inside quoted identifiers', () => {
    expect(parseRelationName('"we""ird"."a.b"')?.map((p) => p.text)).toEqual(['we"ird', 'a.b'])
    expect(parseRelationName('[a]]b].[c]')?.map((p) => p.text)).toEqual(['a]b', 'c'])
    expect(parseRelationName('`a``b`.`c`')?.map((p) => p.text)).toEqual(['a`b', 'c'])
  })

  it('splits a BigQuery path quoted as a whole', () => {
    expect(parseRelationName('`proj.ds.orders`')?.map((p) => p.text)).toEqual(['proj', 'ds', 'orders'])
  })

  it('rejects what is not a dotted chain of identifiers', () => {
    expect(parseRelationName('')).toBeNull()
    expect(parseRelationName('prod.')).toBeNull()
    expect(parseRelationName("'prod'.'orders'")).toBeNull()
    expect(parseRelationName('prod orders')).toBeNull()
    expect(parseRelationName('"unterminated')).toBeNull()
  })
})

describe('containsRelation', () => {
  it('finds a relation in each quoting style, with whitespace around the dots', () => {
    expect(found('select * from "warehouse"."prod"."orders" o', '"warehouse"."prod"."orders"')).toBe(true)
    expect(found('select * from "warehouse" . "prod"\n  .\t"orders"', '"warehouse"."prod"."orders"')).toBe(true)
    expect(found('select * from `p`.`ds`.`orders`', '`p`.`ds`.`orders`')).toBe(true)
    expect(found('select * from `p.ds.orders`', '`p`.`ds`.`orders`')).toBe(true)
    expect(found('select * from [db].[dbo].[orders]', '[db].[dbo].[orders]')).toBe(true)
    expect(found('select * from analytics.prod.orders', 'analytics.prod.orders')).toBe(true)
    expect(found('select * from "prod"."orders"', '"prod"."orders"')).toBe(true)
    expect(found('select * from "warehouse"."ci"."orders"', '"warehouse"."prod"."orders"')).toBe(false)
  })

  it('compares quoted identifiers exactly and unquoted ones case-insensitively', () => {
    expect(found('from "warehouse"."PROD"."orders"', '"warehouse"."prod"."orders"')).toBe(false)
    expect(found('from ANALYTICS.PROD.ORDERS', 'analytics.prod.orders')).toBe(true)
    expect(found('from analytics.prod.orders', 'ANALYTICS.PROD.ORDERS')).toBe(true)
    expect(found('from warehouse.prod.orders', '"warehouse"."Prod"."orders"')).toBe(true)
    expect(found('from "warehouse"."Prod"."orders"', 'warehouse.prod.orders')).toBe(true)
  })

  it('respects token boundaries', () => {
    expect(found('from "warehouse"."prod"."orders_archive"', '"warehouse"."prod"."orders"')).toBe(false)
    expect(found('from "prod"."orders_archive"', '"prod"."orders"')).toBe(false)
    expect(found('from preprod.orders', 'prod.orders')).toBe(false)
    expect(found('from prod.orders2', 'prod.orders')).toBe(false)
    expect(found('from x.prod.orders', 'prod.orders')).toBe(false)
    expect(found('from "w"."prod"."orders"', '"prod"."orders"')).toBe(false)
    expect(found('select prod.orders.id from t', 'prod.orders')).toBe(false)
    expect(found('select prod.orders.* from prod.orders', 'prod.orders')).toBe(true)
    expect(found('from prod.orders,prod.items', 'prod.orders')).toBe(true)
    expect(found('join prod.orders)', 'prod.orders')).toBe(true)
  })

  it('ignores relations that appear only in comments', () => {
    const rel = '"warehouse"."prod"."orders"'
    expect(found(`-- from ${rel}\nselect 1`, rel)).toBe(false)
    expect(found(`/* from ${rel} */ select 1`, rel)).toBe(false)
    expect(found(`/* outer /* nested */ still ${rel} */ select 1`, rel)).toBe(false)
    expect(found(`select 1 -- trailing ${rel}`, rel)).toBe(false)
    expect(found(`/* note */ select * from ${rel} -- done`, rel)).toBe(true)
  })

  it('ignores relations that appear only in string literals', () => {
    const rel = '"warehouse"."prod"."orders"'
    expect(found(`select '${rel}' as label`, rel)).toBe(false)
    expect(found(`select 'it''s ${rel}' as label`, rel)).toBe(false)
    expect(found(`select E'it\\'s ${rel}' as label`, rel)).toBe(false)
    expect(found(`select $$ ${rel} $$, $tag$ ${rel} $tag$`, rel)).toBe(false)
    expect(found(`select 'a''b' as s from ${rel}`, rel)).toBe(true)
    expect(found("select 'analytics.prod.orders' from analytics.ci.orders", 'analytics.prod.orders')).toBe(false)
  })

  it('does not take comment or string markers inside quoted identifiers for real', () => {
    expect(found('select "a--b" from "w"."prod"."orders"', '"w"."prod"."orders"')).toBe(true)
    expect(found('select "it\'s" from "w"."prod"."orders"', '"w"."prod"."orders"')).toBe(true)
    expect(found('select "/*" from "w"."prod"."orders" /* "*/" */', '"w"."prod"."orders"')).toBe(true)
    expect(found('from "w"."we""ird"."orders"', '"w"."we""ird"."orders"')).toBe(true)
    expect(found('from "w"."we"."ird"."orders"', '"w"."we""ird"."orders"')).toBe(false)
  })

  it('matches dollar signs inside identifiers without starting a dollar quote', () => {
    expect(found('select a$b$ from "w"."p"."o"', '"w"."p"."o"')).toBe(true)
  })
})

describe('sameRelation', () => {
  const p = (s: string) => parseRelationName(s)!
  it('treats names differing only by quoting of unquoted-compatible parts as the same', () => {
    expect(sameRelation(p('"w"."prod"."orders"'), p('w.PROD.orders'))).toBe(true)
    expect(sameRelation(p('"w"."prod"."orders"'), p('"w"."PROD"."orders"'))).toBe(false)
    expect(sameRelation(p('"w"."prod"."orders"'), p('"prod"."orders"'))).toBe(false)
  })
})

describe('containsCte', () => {
  it('finds the CTE of an ephemeral model, whole word only', () => {
    const sql = 'with __dbt__cte__int_pay as (select 1) select * from __dbt__cte__int_pay'
    expect(containsCte(scanSql(sql), 'int_pay')).toBe(true)
    expect(containsCte(scanSql(sql), 'int')).toBe(false)
    expect(containsCte(scanSql('-- __dbt__cte__int_pay\nselect 1'), 'int_pay')).toBe(false)
  })
})
