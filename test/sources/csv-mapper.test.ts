import { describe, expect, test } from 'vitest'

import {
  mapColumns,
  missingRequiredColumns,
  parseDuration,
  parseTimestamp,
  rowToCall,
} from '../../src/sources/csv-mapper.js'

describe('Aircall CSV export mapping', () => {
  test.each([
    [['Call ID', 'Date (UTC)', 'Direction', 'From', 'To'], { id: 0, startedAt: 1, direction: 2, from: 3, to: 4 }],
    [['id', 'started_at', 'direction', 'raw_digits'], { id: 0, startedAt: 1, direction: 2, rawDigits: 3 }],
    [
      ['ID', 'Date', 'Direction', 'From', 'Agent', 'Asset', 'Line number'],
      { id: 0, startedAt: 1, direction: 2, from: 3, agent: 4, asset: 5, lineNumber: 6 },
    ],
  ])('header %j maps to %j', (headers, expected) => {
    expect(mapColumns(headers).columns).toEqual(expected)
  })

  test('a file without the call id and date columns is named, column by column', () => {
    expect(missingRequiredColumns(mapColumns(['Direction', 'From']).columns)).toEqual([
      '"Call ID" (or "id")',
      '"Date (UTC)" (or "started_at")',
    ])
  })

  test.each([
    ['2026-03-02 09:15:00', 1_772_442_900],
    ['2026-03-02T09:15:00Z', 1_772_442_900],
    ['1772442900', 1_772_442_900],
    ['1772442900000', 1_772_442_900],
    ['yesterday', null],
  ])('timestamp %s', (text, expected) => expect(parseTimestamp(text)).toBe(expected))

  test.each([
    ['95', 95],
    ['01:35', 95],
    ['1:01:35', 3695],
    ['', 0],
    ['a while', null],
  ])('duration %s', (text, expected) => expect(parseDuration(text)).toBe(expected))

  const { columns } = mapColumns([
    'Call ID',
    'Date (UTC)',
    'Direction',
    'From',
    'To',
    'Duration (s)',
    'Missed call reason',
    'Tags',
    'Comments',
    'User',
    'Number name',
    'Recording',
  ])

  test('an inbound answered row: the caller is From, the line is To, tags and comments are split', () => {
    const result = rowToCall(
      [
        '42',
        '2026-03-02 09:15:00',
        'Inbound',
        '+33 6 12 34 56 78',
        '+33 1 84 88 00 00',
        '125',
        '',
        'VIP; billing',
        'first\nsecond',
        'Alice',
        'Paris',
        'https://assets.aircall.io/calls/42/recording',
      ],
      columns,
    )
    expect(result).toMatchObject({
      ok: true,
      call: {
        callId: '42',
        direction: 'inbound',
        kind: 'answered',
        rawDigits: '+33 6 12 34 56 78',
        durationSeconds: 125,
        tags: ['VIP', 'billing'],
        comments: ['first', 'second'],
        line: { name: 'Paris', digits: '+33 1 84 88 00 00' },
        agent: { name: 'Alice' },
      },
    })
  })

  test('missed, voicemail and outbound rows are classified like API calls', () => {
    const row = (direction: string, reason: string, asset: string) => [
      '1',
      '2026-03-02 09:15:00',
      direction,
      '+3361',
      '+3362',
      '0',
      reason,
      '',
      '',
      '',
      '',
      asset,
    ]
    expect(rowToCall(row('inbound', 'no_available_agent', ''), columns)).toMatchObject({
      call: { kind: 'missed', rawDigits: '+3361' },
    })
    expect(
      rowToCall(row('inbound', 'no_available_agent', 'https://assets.aircall.io/calls/1/voicemail'), columns),
    ).toMatchObject({ call: { kind: 'voicemail' } })
    expect(rowToCall(row('outbound', '', ''), columns)).toMatchObject({
      call: { kind: 'outbound', rawDigits: '+3362' },
    })
    expect(rowToCall(row('inbound', '', ''), columns)).toMatchObject({ call: { rawDigits: '+3361' } })
  })

  test.each([
    [['', '2026-03-02 09:15:00', 'inbound'], 'missing call id'],
    [['7', 'soon', 'inbound'], 'unreadable date "soon"'],
    [['7', '2026-03-02 09:15:00', 'sideways'], 'unknown direction "sideways"'],
  ])('row %j is refused: %s', (cells, reason) => {
    const padded = [...cells, '+3361', '+3362', '0', '', '', '', '', '', '']
    expect(rowToCall(padded, columns)).toEqual({ ok: false, reason })
  })
})
