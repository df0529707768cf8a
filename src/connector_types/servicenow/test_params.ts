// Where the Test tab starts each ServiceNow sub-action: a test incident the close sub-action
// finds again by its correlation id, the choices each type's forms ask for, ids left to fill in.

export const TEST_CORRELATION_ID = 'plugboard-test';

const TEST_COMMENTS = [{ commentId: 'plugboard-test-comment', comment: 'A test comment from Plugboard.' }];

/** The sub-actions ITSM and SecOps share, around their own test incident and choice fields. */
export function incidentTestSubActionParams(incident: Record<string, unknown>, choiceFields: string[]): Record<string, Record<string, unknown>> {
  return {
    pushToService: { incident: { ...incident, correlation_id: TEST_CORRELATION_ID, correlation_display: 'Plugboard test' }, comments: TEST_COMMENTS },
    getChoices: { fields: choiceFields },
    getFields: {},
    getIncident: { externalId: '' },
    handshake: {},
  };
}
