import { describe, expect, test } from 'vitest'
import { isLoopback } from '../../src/app/console/console.js'
import { html } from '../../src/app/console/html.js'

describe('console HTML', () => {
  test('every interpolated value is escaped unless it is itself an html template', () => {
    const error = `<script>alert("x")</script> & 'quoted'`
    const row = html`<td title="${error}">${error}</td>`
    expect(row.text).toBe(
      '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;">' +
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;</td>',
    )
    // Nested templates and lists compose without double escaping; null, undefined and false render nothing.
    const list = html`<ul>
      ${['<a>', 'b'].map((item) => html`<li>${item}</li>`)}${null}${undefined}${false}
    </ul>`
    // (Prettier lays the template out over lines: whitespace between tags is not what is tested.)
    expect(list.text.replace(/>\s+</g, '><')).toBe('<ul><li>&lt;a&gt;</li><li>b</li></ul>')
    expect(html`${0} ${'0'}`.text).toBe('0 0')
  })

  test('loopback is 127.0.0.0/8, ::1 (also IPv4-mapped and bracketed) and localhost, nothing else', () => {
    for (const address of ['127.0.0.1', '127.3.2.1', '::1', '[::1]', '::ffff:127.0.0.1', 'localhost']) {
      expect(isLoopback(address), address).toBe(true)
    }
    for (const address of ['0.0.0.0', '10.0.0.1', '192.168.1.2', '::', 'localhost.evil.example', '127.0.0.1.nip.io']) {
      expect(isLoopback(address), address).toBe(false)
    }
  })
})
