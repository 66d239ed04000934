import { describe, expect, it } from '@jest/globals'
import { createRedactor, displayUrl, REDACTED, scrubUrls, secretsOfUrl } from '../src/secrets.js'

describe('the redactor', () => {
  it('replaces each secret, its JSON- and URL-encoded forms, and a header value without its scheme', () => {
    const r = createRedactor(['ghs_abc"def\\x', 'Bearer tok-12345', undefined, '', 'ab'])
    expect(r.scrub('token ghs_abc"def\\x here')).toBe(`token ${REDACTED} here`)
    expect(r.scrub(JSON.stringify({ t: 'ghs_abc"def\\x' }))).toBe(`{"t":"${REDACTED}"}`)
    expect(r.scrub(`q=${encodeURIComponent('ghs_abc"def\\x')}`)).toBe(`q=${REDACTED}`)
    expect(r.scrub('Authorization: Bearer tok-12345')).toBe(`Authorization: ${REDACTED}`)
    expect(r.scrub('raw tok-12345')).toBe(`raw ${REDACTED}`)
    // Too short to scrub without blanking ordinary words.
    expect(r.scrub('ab cd')).toBe('ab cd')
  })

  it('removes URL credentials and secret-looking query values it was never told of, and keeps ordinary links', () => {
    expect(scrubUrls('see https://user:pw@host.test/a?token=xyz&page=2 now')).toBe(
      `see https://${REDACTED}@host.test/a?token=${REDACTED}&page=2 now`
    )
    expect(scrubUrls('https://x.test/f?X-Amz-Signature=abc&sig=1')).toBe(`https://x.test/f?X-Amz-Signature=${REDACTED}&sig=${REDACTED}`)
    expect(scrubUrls('https://github.com/o/r/blob/abc/models/x.sql#L3')).toBe('https://github.com/o/r/blob/abc/models/x.sql#L3')
  })

  it('knows the secrets inside a URL input, and prints URLs without them', () => {
    expect(secretsOfUrl('https://me:s3cr3t@h.test/m.json?sig=abcdef&v=1')).toEqual(['s3cr3t', 'abcdef'])
    expect(secretsOfUrl('not a url')).toEqual([])
    expect(displayUrl('https://me:s3cr3t@h.test/m.json?sig=abcdef#x')).toBe('https://h.test/m.json?…')
    expect(displayUrl('https://h.test/m.json')).toBe('https://h.test/m.json')
    expect(displayUrl('not a url')).toBe('(an invalid URL)')
  })
})
