import { expect, it } from 'vitest'
import { chosenFaultKinds, OPTIONAL_REPLICA_FAULT_KINDS, REPLICA_FAULT_KINDS } from './nemesis.ts'

const allowed = [...REPLICA_FAULT_KINDS, ...OPTIONAL_REPLICA_FAULT_KINDS]

it('runs the default replica faults unless asked, and wipe only when named', () => {
  const byDefault = chosenFaultKinds(undefined, REPLICA_FAULT_KINDS, allowed)
  expect(byDefault).toEqual([...REPLICA_FAULT_KINDS])
  expect(byDefault).not.toContain('wipe')
  expect(chosenFaultKinds('lie,wipe', REPLICA_FAULT_KINDS, allowed)).toEqual(['lie', 'wipe'])
  expect(() => chosenFaultKinds('lie,melt', REPLICA_FAULT_KINDS, allowed)).toThrow(
    /unknown fault melt/,
  )
})
