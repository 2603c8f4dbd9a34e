import { enc, http } from './http.ts';
import type { Me, SessionSettings, SessionStatus, UserSession } from './types.ts';

export const authApi = {
  login: (tenant: string, email: string, password: string) => http.post<Me>('/auth/login', { tenant, email, password }),
  logout: () => http.post<unknown>('/auth/logout', {}),
  me: () => http.get<Me>('/auth/me'),
  /** One's own stored language: what the server answers in when a request does not say (API keys, automations). */
  updateMe: (settings: { locale: 'en' | 'zh-CN' }) => http.patch<unknown>('/auth/me', settings),
  sessions: () => http.get<UserSession[]>('/auth/sessions'),
  endSession: (id: string) => http.delete<unknown>(`/auth/sessions/${enc(id)}`),
  endOtherSessions: () => http.post<{ ended: number }>('/auth/sessions/end-others', {}),
  /** When this session ends unless used: asking does not count as use. */
  session: () => http.get<SessionStatus>('/auth/session'),
  sessionSettings: () => http.get<SessionSettings>('/workspace/session-settings'),
  updateSessionSettings: (idleMinutes: number) => http.patch<SessionSettings>('/workspace/session-settings', { idleMinutes }),
};
