export { RecentResults } from './recentResults.ts'
