import { http } from './http.ts';
import type { Me } from './types.ts';

export const authApi = {
  login: (tenant: string, email: string, password: string) => http.post<Me>('/auth/login', { tenant, email, password }),
  logout: () => http.post<unknown>('/auth/logout', {}),
  me: () => http.get<Me>('/auth/me'),
};
