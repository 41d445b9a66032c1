// What the person may do, from the session's permissions (the gateway's policy actions, as listed by
// GET /api/session): pages show an action or a link only when it is allowed (the API still decides).
import { computed } from 'vue'
import { session } from '../api/session.js'
import { DESKS } from '../navigation.js'

const KINDS = ['district_acceptance', 're_inspection', 'city_check', 'province_check', 'self_check']

// permissions null: a bearer token, whose permissions the pages do not know (everything is shown)
export function can(code) {
  const granted = session.user && session.user.permissions
  if (!session.user) return false
  return granted == null || granted.includes(code)
}
export const canAll = (codes) => [].concat(codes || []).every(can)
export const canAny = (codes) => [].concat(codes || []).some(can)

// The desk a person works at: the first of DESKS whose codes they all hold.
// A desk marked ``area`` is for an account of one area only (docs/areas.md).
export function desk() {
  return DESKS.find((d) => canAll(d.access) && (!d.area || Boolean(session.user && session.user.area))) || null
}

export function useAccess() {
  return {
    can,
    canAll,
    canAny,
    desk: computed(desk),
    // The inspection kinds one may record: a person of an office checks its own centres (self-check),
    // the inspections service applies the same rule.
    inspectionKinds: computed(() => {
      if (!can('inspections.record')) return []
      return session.user.office ? ['self_check'] : KINDS
    }),
  }
}
